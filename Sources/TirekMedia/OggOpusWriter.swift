/// Writes Opus packets into an Ogg Opus file (RFC 7845 / RFC 3533): a first page
/// with `OpusHead` (beginning-of-stream), a page with `OpusTags`, then audio pages
/// of up to `packetsPerPage` packets; the last page carries end-of-stream.
/// Granule positions count 48 kHz samples (pre-skip included) up to the end of
/// the last packet on the page; each packet's duration is read from its TOC byte.
/// Gaps in the packet stream are not filled: a lost packet shortens the recording.
/// Call `finish()` to write the last page; releasing the writer does it too, ignoring errors.
///
/// Not `Sendable` (mutable state, owns a file handle): use from one task.
public final class OggOpusWriter {
    public let channels: Int
    public let preSkip: Int
    public let serialNumber: UInt32
    public let packetsPerPage: Int
    /// Samples (48 kHz, per channel) written so far, including pre-skip.
    public private(set) var granulePosition: Int64 = 0
    public private(set) var pageCount: UInt32 = 0

    private let sink: ByteSink
    private var pending: [[UInt8]] = []
    private var pendingSegments = 0
    private var finished = false

    /// Writes to the file at `path` (created or truncated).
    /// - Parameters:
    ///   - preSkip: decoder samples to discard at the start; libopus's encoder delay is 312
    ///     (`OpusEncoder.lookahead`).
    ///   - comments: `KEY=value` user comments for `OpusTags`.
    public convenience init(path: String, channels: Int = 1, preSkip: Int = 312,
                            serialNumber: UInt32 = .random(in: .min ... .max), vendor: String = "Tirek",
                            comments: [String] = [], packetsPerPage: Int = 50) throws {
        try self.init(sink: ByteSink(path: path), channels: channels, preSkip: preSkip, serialNumber: serialNumber,
                      vendor: vendor, comments: comments, packetsPerPage: packetsPerPage)
    }

    /// Writes to memory; read the result from `bytes`.
    public convenience init(channels: Int = 1, preSkip: Int = 312,
                            serialNumber: UInt32 = .random(in: .min ... .max), vendor: String = "Tirek",
                            comments: [String] = [], packetsPerPage: Int = 50) throws {
        try self.init(sink: ByteSink(), channels: channels, preSkip: preSkip, serialNumber: serialNumber,
                      vendor: vendor, comments: comments, packetsPerPage: packetsPerPage)
    }

    private init(sink: ByteSink, channels: Int, preSkip: Int, serialNumber: UInt32, vendor: String,
                 comments: [String], packetsPerPage: Int) throws {
        guard channels == 1 || channels == 2, (0...0xffff).contains(preSkip), packetsPerPage >= 1 else {
            throw ContainerError.invalidPayload("channels \(channels), preSkip \(preSkip), packetsPerPage \(packetsPerPage)")
        }
        self.sink = sink
        self.channels = channels
        self.preSkip = preSkip
        self.serialNumber = serialNumber
        self.packetsPerPage = packetsPerPage
        let tags = Self.opusTags(vendor: vendor, comments: comments)
        guard tags.count / 255 + 1 <= 255 else { throw ContainerError.invalidPayload("OpusTags too large") }
        try writePage([Self.opusHead(channels: channels, preSkip: preSkip)], granule: 0, flags: 0x02)
        try writePage([tags], granule: 0, flags: 0)
    }

    /// Finishes the stream if `finish()` was not called (errors are ignored here).
    deinit { try? finish() }

    /// The file so far (memory writers only; empty for file writers). Packets are
    /// buffered until their page is complete.
    public var bytes: [UInt8] { sink.bytes }

    /// Appends one Opus packet.
    public func write(packet: [UInt8]) throws {
        guard !finished else { throw ContainerError.finished }
        let duration: Int
        do {
            duration = try OpusDecoder.sampleCount(of: packet)
        } catch {
            throw ContainerError.invalidPayload("not an Opus packet: \(error)")
        }
        let segments = packet.count / 255 + 1
        guard segments <= 255 else { throw ContainerError.invalidPayload("packet of \(packet.count) bytes") }
        if !pending.isEmpty && (pendingSegments + segments > 255 || pending.count >= packetsPerPage) {
            try flush(endOfStream: false)
        }
        pending.append(packet)
        pendingSegments += segments
        granulePosition += Int64(duration)
    }

    /// Writes the last page (end-of-stream) and closes the file. Further writes throw `.finished`.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try flush(endOfStream: true)
        try sink.close()
    }

    private func flush(endOfStream: Bool) throws {
        try writePage(pending, granule: granulePosition, flags: endOfStream ? 0x04 : 0)
        pending.removeAll(keepingCapacity: true)
        pendingSegments = 0
    }

    private func writePage(_ packets: [[UInt8]], granule: Int64, flags: UInt8) throws {
        try sink.write(Self.page(packets: packets, granule: granule, serial: serialNumber,
                                 sequence: pageCount, flags: flags))
        pageCount += 1
    }

    /// One Ogg page holding whole `packets` (their lacing must fit 255 segments).
    static func page(packets: [[UInt8]], granule: Int64, serial: UInt32, sequence: UInt32, flags: UInt8) -> [UInt8] {
        var lacing: [UInt8] = []
        for p in packets {
            lacing.append(contentsOf: repeatElement(255, count: p.count / 255))
            lacing.append(UInt8(p.count % 255))
        }
        precondition(lacing.count <= 255, "page lacing overflow")
        var page: [UInt8] = Array("OggS".utf8)
        page.append(0)        // stream structure version
        page.append(flags)    // 0x01 continued, 0x02 first, 0x04 last
        page.appendLE(UInt64(bitPattern: granule))
        page.appendLE(serial)
        page.appendLE(sequence)
        page.appendLE(UInt32(0))  // CRC placeholder
        page.append(UInt8(lacing.count))
        page.append(contentsOf: lacing)
        for p in packets { page.append(contentsOf: p) }
        let crc = OggCRC.checksum(page)
        page[22] = UInt8(crc & 0xff)
        page[23] = UInt8(crc >> 8 & 0xff)
        page[24] = UInt8(crc >> 16 & 0xff)
        page[25] = UInt8(crc >> 24)
        return page
    }

    /// The 19-byte `OpusHead` identification header (channel mapping family 0).
    public static func opusHead(channels: Int, preSkip: Int) -> [UInt8] {
        var h: [UInt8] = Array("OpusHead".utf8)
        h.append(1)                                   // version
        h.append(UInt8(channels))
        h.appendLE(UInt16(truncatingIfNeeded: preSkip))
        h.appendLE(UInt32(48_000))                    // input sample rate (informational)
        h.appendLE(Int16(0))                          // output gain
        h.append(0)                                   // mapping family
        return h
    }

    /// The `OpusTags` comment header.
    public static func opusTags(vendor: String, comments: [String]) -> [UInt8] {
        var h: [UInt8] = Array("OpusTags".utf8)
        let v = Array(vendor.utf8)
        h.appendLE(UInt32(v.count))
        h.append(contentsOf: v)
        h.appendLE(UInt32(comments.count))
        for c in comments {
            let b = Array(c.utf8)
            h.appendLE(UInt32(b.count))
            h.append(contentsOf: b)
        }
        return h
    }
}

/// Deliberately not `Sendable` (see the type's documentation); this makes the intent explicit.
@available(*, unavailable)
extension OggOpusWriter: Sendable {}

/// Ogg's CRC-32: polynomial 0x04c11db7, initial value 0, no reflection, no final xor,
/// computed over the page with its CRC field zeroed.
enum OggCRC {
    static let table: [UInt32] = (0..<256).map { i in
        var r = UInt32(i) << 24
        for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04c1_1db7 : r << 1 }
        return r
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for b in bytes { crc = (crc << 8) ^ table[Int((crc >> 24) ^ UInt32(b))] }
        return crc
    }
}

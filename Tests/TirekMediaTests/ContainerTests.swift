import Foundation
import Testing
@testable import TirekMedia

/// Bitwise Ogg CRC-32 (poly 0x04c11db7, MSB first, init 0, no final xor), written
/// independently of the writer's table-driven version.
func referenceOggCRC(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0
    for byte in bytes {
        for bit in (0..<8).reversed() {
            let inBit = UInt32(byte >> UInt8(bit) & 1)
            let top = crc >> 31
            crc <<= 1
            if top ^ inBit == 1 { crc ^= 0x04c1_1db7 }
        }
    }
    return crc
}

func le<T: FixedWidthInteger>(_ b: [UInt8], _ at: Int, _: T.Type) -> T {
    var v: T = 0
    for i in 0..<(T.bitWidth / 8) { v |= T(b[at + i]) << (8 * i) }
    return v
}

struct OggParseError: Error, CustomStringConvertible {
    var description: String
}

func check(_ ok: Bool, _ why: @autoclosure () -> String) throws {
    if !ok { throw OggParseError(description: why()) }
}

struct OggPage {
    var flags: UInt8
    var granule: Int64
    var serial: UInt32
    var sequence: UInt32
    var packets: [[UInt8]]
}

/// Parses a whole Ogg stream, verifying capture pattern, version and CRC of every page.
/// Packets that span pages are not expected here.
func parseOgg(_ data: [UInt8]) throws -> [OggPage] {
    var pages: [OggPage] = []
    var at = 0
    while at < data.count {
        try check(data.count - at >= 27, "short page header at \(at)")
        try check(Array(data[at..<at + 4]) == Array("OggS".utf8), "capture pattern at \(at)")
        try check(data[at + 4] == 0, "version at \(at)")
        let nseg = Int(data[at + 26])
        let lacing = Array(data[at + 27..<at + 27 + nseg])
        let bodyLength = lacing.reduce(0) { $0 + Int($1) }
        let end = at + 27 + nseg + bodyLength
        try check(end <= data.count, "page past end at \(at)")
        var page = Array(data[at..<end])
        let stored = le(page, 22, UInt32.self)
        page[22] = 0; page[23] = 0; page[24] = 0; page[25] = 0
        try check(referenceOggCRC(page) == stored, "CRC of page \(pages.count)")
        var packets: [[UInt8]] = [], current: [UInt8] = []
        var body = at + 27 + nseg
        for l in lacing {
            current += data[body..<body + Int(l)]
            body += Int(l)
            if l < 255 { packets.append(current); current = [] }
        }
        try check(current.isEmpty, "packet continues past page")
        pages.append(OggPage(flags: data[at + 5], granule: le(data, at + 6, Int64.self),
                             serial: le(data, at + 14, UInt32.self), sequence: le(data, at + 18, UInt32.self),
                             packets: packets))
        at = end
    }
    return pages
}

@Suite struct ContainerTests {
    @Test func ivfHeaderBytesAreExact() throws {
        let writer = try IVFWriter(width: 320, height: 240)
        #expect(writer.bytes == [
            0x44, 0x4b, 0x49, 0x46,  // DKIF
            0x00, 0x00,              // version
            0x20, 0x00,              // header size 32
            0x56, 0x50, 0x38, 0x30,  // VP80
            0x40, 0x01,              // 320
            0xf0, 0x00,              // 240
            0x40, 0x42, 0x0f, 0x00,  // rate 1 000 000
            0x01, 0x00, 0x00, 0x00,  // scale 1
            0x00, 0x00, 0x00, 0x00,  // frame count (patched by finish)
            0x00, 0x00, 0x00, 0x00,  // unused
        ])
        try writer.write(frame: [0xaa, 0xbb, 0xcc], timestamp: 0x0102_0304_0506)
        try writer.write(EncodedChunk(bytes: [0xdd], isKeyframe: false, timestampMicros: 33_333, durationMicros: 33_333))
        try writer.finish()
        let b = writer.bytes
        #expect(b.count == 32 + 12 + 3 + 12 + 1)
        #expect(Array(b[24..<28]) == [2, 0, 0, 0])
        #expect(Array(b[32..<47]) == [0x03, 0, 0, 0, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0, 0, 0xaa, 0xbb, 0xcc])
        #expect(Array(b[47..<60]) == [0x01, 0, 0, 0, 0x35, 0x82, 0, 0, 0, 0, 0, 0, 0xdd])
        #expect(throws: ContainerError.finished) { try writer.write(frame: [1], timestamp: 1) }
    }

    @Test func ivfTimebaseConversionAndFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-\(UInt32.random(in: 0...UInt32.max)).ivf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, chunks) = try VP8Tests.encode(count: 5, width: 64, height: 48)
        let writer = try IVFWriter(path: path, width: 64, height: 48, timebaseNumerator: 1, timebaseDenominator: 30)
        for c in chunks { try writer.write(c) }
        try writer.finish()
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(file[0..<32]) == IVFWriter.fileHeader(width: 64, height: 48, timebaseNumerator: 1,
                                                              timebaseDenominator: 30, frameCount: 5))
        // Walk the frames back out and decode them.
        var at = 32, index = 0
        let decoder = try VP8Decoder()
        while at < file.count {
            let size = Int(le(file, at, UInt32.self))
            #expect(le(file, at + 4, Int64.self) == Int64(index))  // frame index at 1/30 s
            let frame = Array(file[at + 12..<at + 12 + size])
            #expect(frame == chunks[index].bytes)
            #expect(try decoder.decode(frame) != nil)
            at += 12 + size
            index += 1
        }
        #expect(index == 5 && at == file.count)
    }

    @Test func oggOpusPagesParseBack() throws {
        let encoder = try OpusEncoder()
        let tone = ToneGenerator()
        let packets = try (0..<120).map { try encoder.encode(tone.frame($0)) }
        let writer = try OggOpusWriter(channels: 1, preSkip: encoder.lookahead, serialNumber: 0x1234_5678,
                                       comments: ["TITLE=Lesson"], packetsPerPage: 50)
        for p in packets { try writer.write(packet: p) }
        try writer.finish()
        #expect(throws: ContainerError.finished) { try writer.write(packet: packets[0]) }

        let pages = try parseOgg(writer.bytes)
        #expect(pages.count == 5)  // head, tags, 50 + 50 + 20 packets
        #expect(pages.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(pages.allSatisfy { $0.serial == 0x1234_5678 })
        #expect(pages.map(\.flags) == [0x02, 0, 0, 0, 0x04])
        #expect(pages.map(\.granule) == [0, 0, 48_000, 96_000, 115_200])

        let head = try #require(pages[0].packets.first)
        #expect(pages[0].packets.count == 1 && head.count == 19)
        #expect(Array(head[0..<8]) == Array("OpusHead".utf8))
        #expect(head[8] == 1 && head[9] == 1)
        #expect(le(head, 10, UInt16.self) == 312)
        #expect(le(head, 12, UInt32.self) == 48_000)
        #expect(head[18] == 0)

        let tags = try #require(pages[1].packets.first)
        #expect(Array(tags[0..<8]) == Array("OpusTags".utf8))
        #expect(le(tags, 8, UInt32.self) == 5 && Array(tags[12..<17]) == Array("Tirek".utf8))
        #expect(le(tags, 17, UInt32.self) == 1)
        #expect(Array(tags[25...]) == Array("TITLE=Lesson".utf8))

        // The audio packets come back unchanged and still decode.
        let audio = pages[2...].flatMap(\.packets)
        #expect(audio == packets)
        let decoder = try OpusDecoder()
        #expect(try decoder.decode(audio[60]).count == 960)
    }

    @Test func oggCRCDetectsCorruptionAndMatchesKnownValue() throws {
        // A flipped bit in the body fails the CRC check.
        let page = OggOpusWriter.page(packets: [[1, 2, 3]], granule: 960, serial: 1, sequence: 2, flags: 0)
        var corrupted = page
        corrupted[28] ^= 0x10
        #expect(throws: OggParseError.self) { try parseOgg(corrupted) }
        #expect(try parseOgg(page).first?.packets == [[1, 2, 3]])
        // Table and bitwise implementations agree on arbitrary data.
        var rng = SplitMix(seed: 42)
        let data = (0..<1_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(OggCRC.checksum(data) == referenceOggCRC(data))
        #expect(referenceOggCRC(Array("123456789".utf8)) == 0x89a1_897f)  // CRC-32/CKSUM check value 0x765e7680 without its final xor
    }

    @Test func oggLargePacketsSplitPagesAtTheLacingLimit() throws {
        // Stereo 20 ms packets at a high bitrate: ~1000 bytes each → 4 segments each.
        let encoder = try OpusEncoder(channels: 2, bitrate: 400_000, application: .audio)
        let tone = ToneGenerator(frequency: 1_000, channels: 2)
        let writer = try OggOpusWriter(channels: 2, serialNumber: 9, packetsPerPage: 1_000)
        var packets: [[UInt8]] = []
        for i in 0..<150 {
            let p = try encoder.encode(tone.frame(i))
            packets.append(p)
            try writer.write(packet: p)
        }
        try writer.finish()
        let pages = try parseOgg(writer.bytes)
        #expect(pages.count > 3)
        #expect(pages[2...].flatMap(\.packets) == packets)
        let last = try #require(pages.last)
        #expect(last.granule == 150 * 960, "flags \(last.flags)")
        #expect(last.flags == 0x04)
        #expect(throws: ContainerError.self) { try writer.write(packet: [0xff]) }
        let fresh = try OggOpusWriter(serialNumber: 1)
        #expect(throws: ContainerError.self) { try fresh.write(packet: []) }
    }
}

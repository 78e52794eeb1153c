import NIOCore
import Testing
import TirekCore
@testable import TirekProtocol

@Suite struct MediaHeaderTests {
    static let flagSets: [MediaHeader.Flags] = [[], [.keyframe], [.discontinuity], [.keyframe, .discontinuity]]

    @Test(arguments: MediaTrack.allCases)
    func frameThenParseRoundTrips(_ track: MediaTrack) throws {
        for flags in Self.flagSets where !(track.kind == .audio && flags.contains(.keyframe)) {
            for (sequence, timestamp) in [(UInt32(0), UInt64(0)), (7, 123), (.max, .max), (0x0102_0304, 0x0102_0304_0506_0708)] {
                let header = MediaHeader(track: track, flags: flags, sequence: sequence, timestamp: timestamp)
                let payload: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x00]
                let frame = header.frame(payload: payload)
                #expect(frame.readableBytes == MediaHeader.size + payload.count)
                let parsed = try MediaHeader.parse(frame)
                #expect(parsed == header)
                #expect(Array(frame.readableBytesView.dropFirst(MediaHeader.size)) == payload)
            }
        }
    }

    @Test func byteLayoutIsBigEndian() {
        let header = MediaHeader(track: .camera, flags: [.keyframe], sequence: 0x0102_0304, timestamp: 0x1112_1314_1516_1718)
        let bytes = Array(header.frame(payload: [0xff]).readableBytesView)
        #expect(bytes == [1, 2, 1, 1, 0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0xff])
    }

    @Test func wireNumbersAreStable() {
        #expect(MediaHeader.version == 1)
        #expect(MediaHeader.size == 16)
        #expect(MediaKind.audio.rawValue == 1 && MediaKind.video.rawValue == 2)
        #expect(MediaTrack.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
        #expect(MediaTrack.allCases.map(\.description) == ["audio", "camera", "screen", "talkback", "camera_low"])
        #expect(MediaTrack.allCases.map(\.kind) == [.audio, .video, .video, .audio, .video])
        #expect(MediaHeader.Flags.keyframe.rawValue == 1 && MediaHeader.Flags.discontinuity.rawValue == 2)
        #expect(WireLimits.maxMediaFrameBytes == 524_288 && WireLimits.maxControlMessageBytes == 16_384)
        #expect(WireLimits.maxFrameBytes == WireLimits.maxMediaFrameBytes && WireLimits.maxRequestIDLength == 64)
    }

    @Test func parseReadsAtTheReaderIndex() throws {
        var buffer = ByteBuffer(bytes: [0xaa, 0xbb])
        buffer.writeImmutableBuffer(MediaHeader(track: .screen, sequence: 9, timestamp: 10).frame(payload: [1]))
        buffer.moveReaderIndex(forwardBy: 2)
        let header = try MediaHeader.parse(buffer)
        #expect(header.track == .screen && header.sequence == 9 && header.timestamp == 10)
    }

    @Test func frameAtTheSizeLimitParses() throws {
        let payload = [UInt8](repeating: 0x5a, count: WireLimits.maxMediaFrameBytes - MediaHeader.size)
        let frame = MediaHeader(track: .camera, flags: [.keyframe], sequence: 1, timestamp: 2).frame(payload: payload)
        #expect(try MediaHeader.parse(frame).isKeyframe)
        var over = frame
        over.writeInteger(UInt8(0))
        #expect(throws: ProtocolError.self) { try MediaHeader.parse(over) }
        do { _ = try MediaHeader.parse(over) } catch { #expect(error.code == .tooLarge) }
    }

    @Test func setFlagsMarksADiscontinuityInPlace() throws {
        var frame = MediaHeader(track: .camera, flags: [.keyframe], sequence: 3, timestamp: 4).frame(payload: [9, 9])
        MediaHeader.setFlags([.keyframe, .discontinuity], in: &frame)
        let header = try MediaHeader.parse(frame)
        #expect(header.flags == [.keyframe, .discontinuity])
        #expect(Array(frame.readableBytesView) == [1, 2, 1, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 9, 9])
    }
}

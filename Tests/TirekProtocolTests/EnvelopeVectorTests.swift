import NIOCore
import Testing
import TirekCore
@testable import TirekProtocol

/// Replays every `Protocols/vectors/envelope/*.json` through `MediaHeader.parse`.
@Suite struct EnvelopeVectorTests {
    @Test(arguments: Vectors.envelope)
    func replay(_ vector: EnvelopeVector) throws {
        #expect(vector.problem == nil, "unreadable vector: \(vector.problem ?? "")")
        let expect = try #require(vector.expect)
        #expect(vector.name + ".json" == vector.file, "name must match the file name")
        let buffer = ByteBuffer(bytes: vector.bytes)
        switch expect {
        case .ok(let fields):
            do {
                let header = try MediaHeader.parse(buffer)
                #expect(header.track.description == fields.track)
                #expect("\(header.kind)" == fields.kind)
                #expect(header.isKeyframe == fields.keyframe)
                if let discontinuity = fields.discontinuity {
                    #expect(header.flags.contains(.discontinuity) == discontinuity)
                }
                #expect(header.sequence == fields.sequence)
                #expect(header.timestamp == fields.timestamp)
                #expect(vector.bytes.count - MediaHeader.size == fields.payloadLength)
                // Writing the parsed header gives back the same 16 bytes.
                var written = ByteBuffer()
                header.write(to: &written)
                #expect(Array(written.readableBytesView) == Array(vector.bytes.prefix(MediaHeader.size)))
                #expect(buffer.readerIndex == 0, "parse must not move the reader index")
            } catch {
                Issue.record("expected ok, got \(error.code.rawValue): \(error.message)")
            }
        case .error(let code):
            do {
                let header = try MediaHeader.parse(buffer)
                Issue.record("expected error \(code), parsed \(header)")
            } catch {
                #expect(error.code.rawValue == code, "\(error.message)")
                #expect(error.requestID == nil)
            }
        }
    }
}

import Foundation
import Testing

/// Loads the conformance vectors under `Protocols/vectors/` (found relative to this file:
/// Tests/TirekProtocolTests/VectorSupport.swift → repository root → Protocols).
enum Vectors {
    static let protocolsFolder: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // TirekProtocolTests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // repository root
        .appendingPathComponent("Protocols", isDirectory: true)

    static func folder(_ name: String) -> URL {
        protocolsFolder.appendingPathComponent("vectors", isDirectory: true).appendingPathComponent(name, isDirectory: true)
    }

    /// The `.json` files of one vector folder, sorted by name (empty if the folder is missing;
    /// `VectorInventoryTests` fails in that case).
    static func files(in name: String) -> [URL] {
        let urls = (try? FileManager.default.contentsOfDirectory(at: folder(name), includingPropertiesForKeys: nil)) ?? []
        return urls.filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func object(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw VectorError("\(url.lastPathComponent) is not a JSON object")
        }
        return object
    }

    static let control: [ControlVector] = files(in: "control").map { ControlVector(url: $0) }
    static let envelope: [EnvelopeVector] = files(in: "envelope").map { EnvelopeVector(url: $0) }
}

struct VectorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `{"name", "input": "<text frame>", "expect": {"ok": "<type>"} | {"error": "<code>"}, optional "id"}`.
struct ControlVector: CustomTestStringConvertible, Sendable {
    enum Expect: Equatable, Sendable {
        case ok(type: String, id: String?)
        case error(code: String, id: String?)
    }

    let file: String
    let name: String
    let input: String
    let expect: Expect?
    let problem: String?

    init(url: URL) {
        file = url.lastPathComponent
        do {
            let object = try Vectors.object(url)
            guard let name = object["name"] as? String, let input = object["input"] as? String,
                  let expect = object["expect"] as? [String: Any] else {
                throw VectorError("needs string name, string input and object expect")
            }
            let id = expect["id"] as? String
            if expect["id"] != nil && id == nil { throw VectorError("expect.id must be a string") }
            let parsed: Expect
            if let type = expect["ok"] as? String, expect["error"] == nil {
                parsed = .ok(type: type, id: id)
            } else if let code = expect["error"] as? String, expect["ok"] == nil {
                parsed = .error(code: code, id: id)
            } else {
                throw VectorError("expect needs exactly one of ok (string) or error (string)")
            }
            self.name = name
            self.input = input
            self.expect = parsed
            problem = nil
        } catch {
            name = url.deletingPathExtension().lastPathComponent
            input = ""
            expect = nil
            problem = "\(error)"
        }
    }

    var testDescription: String { file }
}

/// `{"name", "hex": "<frame bytes>", "expect": {"ok": {track, kind, keyframe, sequence, timestamp,
/// payload_length, discontinuity?}} | {"error": "<code>"}}`.
struct EnvelopeVector: CustomTestStringConvertible, Sendable {
    struct Fields: Equatable, Sendable {
        var track: String
        var kind: String
        var keyframe: Bool
        var discontinuity: Bool?
        var sequence: UInt32
        var timestamp: UInt64
        var payloadLength: Int
    }

    enum Expect: Equatable, Sendable {
        case ok(Fields)
        case error(code: String)
    }

    let file: String
    let name: String
    let bytes: [UInt8]
    let expect: Expect?
    let problem: String?

    init(url: URL) {
        file = url.lastPathComponent
        do {
            // Decoded with JSONDecoder so that 64-bit timestamps keep every digit.
            let raw = try JSONDecoder().decode(Raw.self, from: Data(contentsOf: url))
            guard let bytes = Self.decodeHex(raw.hex) else { throw VectorError("hex is not an even-length hex string") }
            switch (raw.expect.ok, raw.expect.error) {
            case (let ok?, nil):
                expect = .ok(Fields(track: ok.track, kind: ok.kind, keyframe: ok.keyframe, discontinuity: ok.discontinuity,
                                    sequence: ok.sequence, timestamp: ok.timestamp, payloadLength: ok.payload_length))
            case (nil, let code?):
                expect = .error(code: code)
            default:
                throw VectorError("expect needs exactly one of ok or error")
            }
            name = raw.name
            self.bytes = bytes
            problem = nil
        } catch {
            name = url.deletingPathExtension().lastPathComponent
            bytes = []
            expect = nil
            problem = "\(error)"
        }
    }

    private struct Raw: Decodable {
        struct OK: Decodable {
            var track: String
            var kind: String
            var keyframe: Bool
            var discontinuity: Bool?
            var sequence: UInt32
            var timestamp: UInt64
            var payload_length: Int
        }
        struct ExpectRaw: Decodable {
            var ok: OK?
            var error: String?
        }
        var name: String
        var hex: String
        var expect: ExpectRaw
    }

    static func decodeHex(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    var testDescription: String { file }
}

import Foundation
import Testing
import TirekCore
@testable import TirekProtocol

/// Replays every `Protocols/vectors/control/*.json` through `ControlDecoder`.
@Suite struct ControlVectorTests {
    @Test(arguments: Vectors.control)
    func replay(_ vector: ControlVector) throws {
        #expect(vector.problem == nil, "unreadable vector: \(vector.problem ?? "")")
        let expect = try #require(vector.expect)
        #expect(vector.name + ".json" == vector.file, "name must match the file name")
        let bytes = Array(vector.input.utf8)
        switch expect {
        case .ok(let type, let id):
            do {
                let frame = try ControlDecoder().decode(bytes)
                #expect(frame.message.type == type)
                #expect(frame.id == id)
            } catch {
                Issue.record("expected ok \(type), got \(error.code.rawValue): \(error.message)")
            }
        case .error(let code, let id):
            do {
                let frame = try ControlDecoder().decode(bytes)
                Issue.record("expected error \(code), decoded \(frame.message.type)")
            } catch {
                #expect(error.code.rawValue == code, "\(error.message)")
                #expect(error.requestID == id, "the error must carry the request id only when it was readable")
                #expect(!error.message.isEmpty)
            }
        }
    }
}

/// The vector set itself: present, well-formed, and covering what the spec promises.
@Suite struct VectorInventoryTests {
    @Test func vectorFoldersArePopulated() {
        #expect(FileManager.default.fileExists(atPath: Vectors.protocolsFolder.appendingPathComponent("README.md").path),
                "Protocols/README.md not found at \(Vectors.protocolsFolder.path)")
        #expect(Vectors.control.count >= 100, "found \(Vectors.control.count) control vectors")
        #expect(Vectors.envelope.count >= 25, "found \(Vectors.envelope.count) envelope vectors")
    }

    @Test func everyClientTypeHasAValidVector() {
        let covered = Set(Vectors.control.compactMap { v -> String? in
            if case .ok(let type, _) = v.expect { type } else { nil }
        })
        for type in ClientMessage.allTypes {
            #expect(covered.contains(type), "no valid vector for \(type)")
        }
        #expect(covered.isSubset(of: Set(ClientMessage.allTypes)), "vectors name types the decoder does not know")
    }

    @Test func everyProtocolErrorCodeHasAVector() {
        let codes = Set(Vectors.control.compactMap { v -> String? in
            if case .error(let code, _) = v.expect { code } else { nil }
        })
        for code in [ErrorCode.malformed, .missingType, .unknownType, .invalidField, .tooLarge] {
            #expect(codes.contains(code.rawValue), "no control vector for \(code.rawValue)")
        }
        let envelopeCodes = Set(Vectors.envelope.compactMap { v -> String? in
            if case .error(let code) = v.expect { code } else { nil }
        })
        #expect(envelopeCodes == [ErrorCode.badEnvelope.rawValue, ErrorCode.tooLarge.rawValue])
    }

    @Test func sizeVectorsSitOnTheLimit() throws {
        let byName = Dictionary(uniqueKeysWithValues: Vectors.control.map { ($0.name, $0) })
        let atLimit = try #require(byName["size-at-limit"])
        let over = try #require(byName["size-over-limit"])
        let multibyte = try #require(byName["size-over-limit-multibyte"])
        #expect(atLimit.input.utf8.count == WireLimits.maxControlMessageBytes)
        #expect(over.input.utf8.count == WireLimits.maxControlMessageBytes + 1)
        #expect(multibyte.input.count < WireLimits.maxControlMessageBytes)
        #expect(multibyte.input.utf8.count > WireLimits.maxControlMessageBytes)
        let envelope = try #require(Vectors.envelope.first { $0.name == "size-over-limit" })
        #expect(envelope.bytes.count == WireLimits.maxMediaFrameBytes + 1)
    }

    /// Every message type the decoder accepts is in the client schema, and the schema has no others.
    @Test func clientSchemaListsEveryType() throws {
        let types = try SchemaTypes.load("client-messages.schema.json")
        #expect(types == Set(ClientMessage.allTypes), "schema: \(types.sorted()), decoder: \(ClientMessage.allTypes)")
    }

    @Test func serverSchemaListsEveryServerMessage() throws {
        let types = try SchemaTypes.load("server-messages.schema.json")
        let expected: Set<String> = [
            Ack.type, ErrorReply.type, Pong.type, ServerClosing.type, PresenceEvent.type, "welcome",
            KeyframeNeeded.type, LessonStateMessage.type, LessonTransitionMessage.type,
            LessonWarningMessage.type, LessonNoticeMessage.type,
            AttendanceLiveMessage.type,
            HandQueueMessage.type, FloorStateMessage.type, ChatMessageBroadcast.type, ChatDeletedMessage.type,
            ChatHistoryMessage.type, ChatModerationMessage.type, PollStartedMessage.type, PollResultsMessage.type,
            ShareStateMessage.type, ShareRequestUpdate.type, SignalRelayMessage.type,
        ]
        #expect(types == expected)
    }
}

/// Reads the `type` constants of a schema's top-level `oneOf` (following local `$ref`s).
enum SchemaTypes {
    static func load(_ file: String) throws -> Set<String> {
        let url = Vectors.protocolsFolder.appendingPathComponent("schema").appendingPathComponent(file)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(root["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let branches = try #require(root["oneOf"] as? [[String: Any]])
        var types: Set<String> = []
        for branch in branches {
            let resolved = try resolve(branch, in: root)
            let properties = try #require(resolved["properties"] as? [String: Any])
            let type = try #require(properties["type"] as? [String: Any])
            let name = try #require(type["const"] as? String)
            #expect(types.insert(name).inserted, "\(name) appears twice in \(file)")
            let required = resolved["required"] as? [String] ?? []
            #expect(required.contains("type"), "\(name) must require type")
        }
        return types
    }

    static func resolve(_ node: [String: Any], in root: [String: Any]) throws -> [String: Any] {
        guard let ref = node["$ref"] as? String else { return node }
        #expect(ref.hasPrefix("#/"))
        var current: Any = root
        for part in ref.dropFirst(2).split(separator: "/") {
            current = try #require((current as? [String: Any])?[String(part)], "unresolvable \(ref)")
        }
        return try resolve(try #require(current as? [String: Any]), in: root)
    }
}

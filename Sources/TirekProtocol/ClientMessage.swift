import Foundation
import TirekCore

/// Every control message a client may send, decoded and validated.
public enum ClientMessage: Sendable, Equatable {
    case ping(Ping)
    case lessonStart(LessonStart)
    case lessonHandOver(LessonHandOver)
    case lessonExtend(LessonExtend)
    case lessonPause(LessonPause)
    case lessonResume(LessonResume)
    case lessonEnd(LessonEnd)
    case mediaPreferences(MediaPreferences)
    case keyframeRequest(KeyframeRequest)
    case rollCallMark(RollCallMarkRequest)
    /// Hand-raise, floor, chat, polls, screen share and signalling (InteractionMessages.swift).
    case interaction(InteractionMessage)

    /// The wire name of this message.
    public var type: String {
        switch self {
        case .ping: Ping.type
        case .lessonStart: LessonStart.type
        case .lessonHandOver: LessonHandOver.type
        case .lessonExtend: LessonExtend.type
        case .lessonPause: LessonPause.type
        case .lessonResume: LessonResume.type
        case .lessonEnd: LessonEnd.type
        case .mediaPreferences: MediaPreferences.type
        case .keyframeRequest: KeyframeRequest.type
        case .rollCallMark: RollCallMarkRequest.type
        case .interaction(let message): message.type
        }
    }

    /// One row per message type: its wire name and how to build the enum case.
    struct Entry: Sendable {
        let type: String
        let decode: @Sendable (JSONDecoder, Data) throws -> ClientMessage

        init<P: ClientPayload>(_ payload: P.Type, _ wrap: @escaping @Sendable (P) -> ClientMessage) {
            type = P.type
            decode = { decoder, data in
                let value = try decoder.decode(P.self, from: data)
                try value.validate()
                return wrap(value)
            }
        }
    }

    static let catalogue: [Entry] = [
        Entry(Ping.self, ClientMessage.ping),
        Entry(LessonStart.self, ClientMessage.lessonStart),
        Entry(LessonHandOver.self, ClientMessage.lessonHandOver),
        Entry(LessonExtend.self, ClientMessage.lessonExtend),
        Entry(LessonPause.self, ClientMessage.lessonPause),
        Entry(LessonResume.self, ClientMessage.lessonResume),
        Entry(LessonEnd.self, ClientMessage.lessonEnd),
        Entry(MediaPreferences.self, ClientMessage.mediaPreferences),
        Entry(KeyframeRequest.self, ClientMessage.keyframeRequest),
        Entry(RollCallMarkRequest.self, ClientMessage.rollCallMark),
    ] + interactionEntries

    static let byType: [String: Entry] = Dictionary(uniqueKeysWithValues: catalogue.map { ($0.type, $0) })

    /// All wire names a client may send, sorted (used by the spec tests).
    public static var allTypes: [String] { catalogue.map(\.type).sorted() }
}

/// A decoded text frame: the client's optional request `id` and the message.
public struct ClientFrame: Sendable, Equatable {
    public var id: String?
    public var message: ClientMessage

    public init(id: String? = nil, message: ClientMessage) {
        self.id = id
        self.message = message
    }
}

/// Turns text frames into `ClientFrame`s, or a `ProtocolError` with a stable code.
public struct ControlDecoder: Sendable {
    public init() {}

    private struct Head: Decodable {
        var type: String?
        var id: String?
    }

    public func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> ClientFrame {
        guard bytes.count <= WireLimits.maxControlMessageBytes else {
            throw ProtocolError(.tooLarge, "control message is \(bytes.count) bytes, limit \(WireLimits.maxControlMessageBytes)")
        }
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ProtocolError(.malformed, "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw ProtocolError(.malformed, "a control message must be a JSON object")
        }
        if let name = DuplicateKeys.first(in: data) {
            throw ProtocolError(.malformed, "duplicate key \"\(name.prefix(64))\" in a JSON object")
        }
        var requestID: String?
        if let rawID = dict["id"] {
            guard let id = rawID as? String, !id.isEmpty, id.count <= WireLimits.maxRequestIDLength else {
                throw ProtocolError(.invalidField, "id must be a string of 1–\(WireLimits.maxRequestIDLength) characters")
            }
            requestID = id
        }
        guard let type = dict["type"] as? String else {
            throw ProtocolError(.missingType, "a control message needs a string field \"type\"", requestID: requestID)
        }
        guard let entry = ClientMessage.byType[type] else {
            throw ProtocolError(.unknownType, "unknown message type \"\(type.prefix(64))\"", requestID: requestID)
        }
        do {
            return ClientFrame(id: requestID, message: try entry.decode(decoder, data))
        } catch let error as ProtocolError {
            var error = error
            error.requestID = requestID
            throw error
        } catch let error as DecodingError {
            throw ProtocolError(.invalidField, Self.describe(error), requestID: requestID)
        } catch {
            throw ProtocolError(.invalidField, Self.clipped("\(error)"), requestID: requestID)
        }
    }

    /// Error messages go back to the client and into logs: they quote the input only briefly
    /// (found by Fuzz/ControlFuzzer: a 7 KB `scope` came back whole).
    static let maxQuotedCharacters = 200

    static func clipped(_ text: String) -> String {
        text.count <= maxQuotedCharacters ? text : String(text.prefix(maxQuotedCharacters)) + "…"
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "message" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : path(context.codingPath) + "."
            return "missing field \(parent)\(key.stringValue)"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null (expected \(type))"
        case .dataCorrupted(let context):
            // Foundation quotes the offending value here (an unknown enum string can be 16 KiB).
            return "\(path(context.codingPath)): \(clipped(context.debugDescription))"
        @unknown default:
            return "invalid message"
        }
    }
}

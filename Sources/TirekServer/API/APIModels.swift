import Foundation
import Hummingbird
import TirekCore

// Request and response bodies of the admin API (Protocols/http-api.md).

extension School: ResponseEncodable {}
extension Classroom: ResponseEncodable {}
extension Teacher: ResponseEncodable {}
extension Student: ResponseEncodable {}
extension Guest: ResponseEncodable {}
extension LessonRecord: ResponseEncodable {}

/// `POST /v1/lessons` body.
struct CreateLessonRequest: Decodable, Sendable {
    var id: String?
    var subject: String
    var topic: String
    var grade: Int
    /// Milliseconds since the Unix epoch.
    var scheduledStart: Int64
    var model: LessonModel?
    var phaseMinutes: [String: Int]?
    var operationalOnly: Bool?
    var hubTeacherID: String
    var classroomIDs: [String]?
    var studentIDs: [String]?
    var guestIDs: [String]?

    enum CodingKeys: String, CodingKey {
        case id, subject, topic, grade, model
        case scheduledStart = "scheduled_start"
        case phaseMinutes = "phase_minutes"
        case operationalOnly = "operational_only"
        case hubTeacherID = "hub_teacher_id"
        case classroomIDs = "classroom_ids"
        case studentIDs = "student_ids"
        case guestIDs = "guest_ids"
    }
}

/// A join link for one participant (a person, or a classroom's shared screen).
public struct JoinLink: Codable, Equatable, Sendable {
    public var participant: Participant
    public var token: String
    /// The page to open in a browser.
    public var url: String
    /// The WebSocket endpoint with the token, for clients that connect directly.
    public var wsURL: String
    /// Seconds since the Unix epoch.
    public var expires: Int64

    enum CodingKeys: String, CodingKey {
        case participant, token, url, expires
        case wsURL = "ws_url"
    }
}

struct LessonWithLinks: ResponseEncodable, Sendable {
    var lesson: LessonRecord
    var links: [JoinLink]
}

struct KickRequest: Decodable, Sendable {
    var participantID: String
    enum CodingKeys: String, CodingKey { case participantID = "participant_id" }
}

struct EventList: ResponseEncodable, Sendable {
    struct Entry: Encodable, Sendable {
        var seq: Int64
        var at: Instant
        var kind: String
        var actor: ParticipantID?
        var body: JSONFragment
    }
    var events: [Entry]
}

/// Embeds already-encoded JSON as a value.
struct JSONFragment: Encodable, Sendable {
    let data: Data
    func encode(to encoder: any Encoder) throws {
        let value = try JSONDecoder().decode(AnyJSON.self, from: data)
        try value.encode(to: encoder)
    }
}

/// A JSON value of any shape, for passing stored bodies through.
enum AnyJSON: Codable, Sendable {
    case null, bool(Bool), number(Double), int(Int64), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

struct Health: ResponseEncodable, Sendable {
    var status: String
    var lessonsLive: Int
    var serverTime: Instant
    enum CodingKeys: String, CodingKey {
        case status
        case lessonsLive = "lessons_live"
        case serverTime = "server_time"
    }
}

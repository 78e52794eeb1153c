import TirekCore

/// Where an interaction happens: the whole lesson (led by the hub teacher) or one classroom
/// (led by its local teacher). Hand-raise queues, floors, screen shares and polls each live in
/// exactly one scope.
///
/// JSON: `{"kind":"lesson"}` or `{"kind":"classroom","classroom_id":"c1"}`.
public enum InteractionScope: Hashable, Sendable, Codable, CustomStringConvertible {
    case lesson
    case classroom(ClassroomID)

    /// The scope a participant of `classroomID` is routed to while `lead` leads: the lesson when
    /// the hub leads; their classroom when local teachers lead (nil without a classroom).
    public static func routed(lead: Lead, classroomID: ClassroomID?) -> InteractionScope? {
        switch lead {
        case .hub: return .lesson
        case .local: return classroomID.map { .classroom($0) }
        }
    }

    /// The classroom of a classroom scope; nil for the lesson scope.
    public var classroomID: ClassroomID? {
        if case .classroom(let id) = self { return id }
        return nil
    }

    /// Whether `participant` leads (owns) this scope: the hub teacher owns the lesson scope;
    /// the local teacher of a classroom owns that classroom's scope. Nobody else does.
    public func isLed(by participant: Participant) -> Bool {
        switch self {
        case .lesson:
            return participant.role == .hubTeacher
        case .classroom(let id):
            return participant.role == .localTeacher && participant.classroomID == id
        }
    }

    public var description: String {
        switch self {
        case .lesson: "lesson"
        case .classroom(let id): "classroom \(id)"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind
        case classroomID = "classroom_id"
    }

    private enum Kind: String, Codable {
        case lesson, classroom
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .lesson: self = .lesson
        case .classroom: self = .classroom(try c.decode(ClassroomID.self, forKey: .classroomID))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .lesson:
            try c.encode(Kind.lesson, forKey: .kind)
        case .classroom(let id):
            try c.encode(Kind.classroom, forKey: .kind)
            try c.encode(id, forKey: .classroomID)
        }
    }
}

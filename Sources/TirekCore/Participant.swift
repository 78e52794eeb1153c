/// Someone (or some screen) taking part in a lesson.
public struct Participant: Hashable, Codable, Sendable {
    public var id: ParticipantID
    public var role: Role
    public var displayName: String
    /// The classroom this participant belongs to: set for local teachers, classroom screens
    /// and students of a small school; nil for the hub teacher, observers, admins and
    /// students of a small-group lesson who join from home.
    public var classroomID: ClassroomID?

    enum CodingKeys: String, CodingKey {
        case id, role
        case displayName = "display_name"
        case classroomID = "classroom_id"
    }

    public init(id: ParticipantID, role: Role, displayName: String, classroomID: ClassroomID? = nil) {
        self.id = id
        self.role = role
        self.displayName = displayName
        self.classroomID = classroomID
    }
}

/// Who a connected participant is in a lesson. The raw values are the wire names.
public enum Role: String, Codable, Sendable, CaseIterable, Hashable {
    /// The experienced teacher at the hub school who broadcasts the operational phase.
    case hubTeacher = "hub_teacher"
    /// The teacher present in a small-school classroom; leads the local phases.
    case localTeacher = "local_teacher"
    /// The shared screen of a small-school classroom (students without own devices watch it).
    case classroom
    /// A student on their own device.
    case student
    /// Helps students connect; no teaching rights.
    case assistant
    /// Read-only: methodologist, district staff.
    case observer
    /// Administrator: reads reports, may watch and kick.
    case admin

    /// Roles that belong to one classroom of a small school.
    public var isClassroomBound: Bool {
        switch self {
        case .localTeacher, .classroom: true
        case .student: true // a student usually belongs to a classroom; small-group students may not
        default: false
        }
    }

    /// Roles that may teach (lead a phase, run polls, moderate).
    public var isTeacher: Bool { self == .hubTeacher || self == .localTeacher }

    /// Roles that may never send anything but keep-alives and reads.
    public var isReadOnly: Bool { self == .observer }
}

/// Which side leads a phase: the hub teacher for everyone, or each local teacher for their classroom.
public enum Lead: String, Codable, Sendable, Hashable, CaseIterable {
    case hub
    case local
}

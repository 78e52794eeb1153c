/// A school taking part in hub lessons.
public struct School: Hashable, Codable, Sendable {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// Has the subject specialist who teaches the operational phase.
        case hub
        /// A small school whose classrooms watch the hub lesson with their local teacher.
        case small
    }

    public var id: SchoolID
    public var name: String
    public var kind: Kind
    public var district: String?

    public init(id: SchoolID, name: String, kind: Kind, district: String? = nil) {
        self.id = id
        self.name = name
        self.kind = kind
        self.district = district
    }
}

/// A class group of a small school (e.g. "5th grade"), watching on one shared screen with its local teacher.
public struct Classroom: Hashable, Codable, Sendable {
    public var id: ClassroomID
    public var schoolID: SchoolID
    public var name: String
    public var grade: Int
    public var localTeacherID: ParticipantID?

    enum CodingKeys: String, CodingKey {
        case id, name, grade
        case schoolID = "school_id"
        case localTeacherID = "local_teacher_id"
    }

    public init(id: ClassroomID, schoolID: SchoolID, name: String, grade: Int, localTeacherID: ParticipantID? = nil) {
        self.id = id
        self.schoolID = schoolID
        self.name = name
        self.grade = grade
        self.localTeacherID = localTeacherID
    }

    /// The participant id of this classroom's shared screen.
    public var screenParticipantID: ParticipantID { ParticipantID("screen-\(id.rawValue)") }
}

/// A teacher (hub or local).
public struct Teacher: Hashable, Codable, Sendable {
    public var id: ParticipantID
    public var schoolID: SchoolID
    public var name: String

    enum CodingKeys: String, CodingKey {
        case id, name
        case schoolID = "school_id"
    }

    public init(id: ParticipantID, schoolID: SchoolID, name: String) {
        self.id = id
        self.schoolID = schoolID
        self.name = name
    }
}

/// A student on a classroom's roster. `hasDevice` says whether they join on their own device
/// (and get their own join link) or watch the classroom screen (counted through roll call).
public struct Student: Hashable, Codable, Sendable {
    public var id: ParticipantID
    public var classroomID: ClassroomID?
    public var name: String
    /// The student's id in the school's e-journal, for exports.
    public var externalID: String?
    public var hasDevice: Bool

    enum CodingKeys: String, CodingKey {
        case id, name
        case classroomID = "classroom_id"
        case externalID = "external_id"
        case hasDevice = "has_device"
    }

    public init(id: ParticipantID, classroomID: ClassroomID?, name: String, externalID: String? = nil, hasDevice: Bool = false) {
        self.id = id
        self.classroomID = classroomID
        self.name = name
        self.externalID = externalID
        self.hasDevice = hasDevice
    }
}

/// Someone who watches read-only (methodologist, district staff) or helps students connect.
public struct Guest: Hashable, Codable, Sendable {
    public var id: ParticipantID
    public var name: String
    /// `observer` or `assistant`.
    public var role: Role

    public init(id: ParticipantID, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

import TirekCore

/// Who should have attended, with the names the export needs. Passed in by the caller
/// (built from the lesson's roster); the ledger itself only knows ids.
public struct AttendanceRoster: Hashable, Codable, Sendable {
    public struct Student: Hashable, Codable, Sendable {
        public var id: ParticipantID
        public var displayName: String
        /// The student's id in the school's e-journal.
        public var externalID: String?
        public var classroom: ClassroomID?

        enum CodingKeys: String, CodingKey {
            case id
            case displayName = "display_name"
            case externalID = "external_id"
            case classroom = "classroom_id"
        }

        public init(id: ParticipantID, displayName: String, externalID: String? = nil, classroom: ClassroomID? = nil) {
            self.id = id
            self.displayName = displayName
            self.externalID = externalID
            self.classroom = classroom
        }
    }

    public struct Classroom: Hashable, Codable, Sendable {
        public var id: ClassroomID
        public var name: String
        public var school: SchoolID?
        public var schoolName: String?

        enum CodingKeys: String, CodingKey {
            case id
            case name
            case school = "school_id"
            case schoolName = "school_name"
        }

        public init(id: ClassroomID, name: String, school: SchoolID? = nil, schoolName: String? = nil) {
            self.id = id
            self.name = name
            self.school = school
            self.schoolName = schoolName
        }
    }

    public var lesson: LessonID
    /// In the order rows should appear.
    public var students: [Student]
    /// In the order rows should appear.
    public var classrooms: [Classroom]

    enum CodingKeys: String, CodingKey {
        case lesson = "lesson_id"
        case students
        case classrooms
    }

    public init(lesson: LessonID, students: [Student], classrooms: [Classroom]) {
        self.lesson = lesson
        self.students = students
        self.classrooms = classrooms
    }
}

/// Interaction counts for one classroom, counted elsewhere (hand-raises, chat, polls) and
/// passed in for the classroom rows.
public struct ClassroomActivity: Hashable, Codable, Sendable {
    public var classroom: ClassroomID
    public var handRaises: Int
    public var chatMessages: Int
    public var pollAnswers: Int

    enum CodingKeys: String, CodingKey {
        case classroom = "classroom_id"
        case handRaises = "hand_raises"
        case chatMessages = "chat_messages"
        case pollAnswers = "poll_answers"
    }

    public init(classroom: ClassroomID, handRaises: Int = 0, chatMessages: Int = 0, pollAnswers: Int = 0) {
        self.classroom = classroom
        self.handRaises = handRaises
        self.chatMessages = chatMessages
        self.pollAnswers = pollAnswers
    }
}

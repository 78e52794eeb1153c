import TirekCore

/// `rollcall.mark`: a local teacher (or their classroom's screen) marks a student of their own
/// classroom present or absent. Students without a device count through it: their online time
/// is the classroom screen's connected time while they are marked present. A later mark
/// corrects earlier ones from its `effective_from` (default: now) on.
public struct RollCallMarkRequest: ClientPayload {
    public static let type = "rollcall.mark"

    public enum Status: String, Decodable, Sendable, Equatable {
        case present
        case absent
    }

    /// Why a student is (partly) absent: `technical_problem`, `no_internet`, `illness`, or
    /// `other` with a free `text`.
    public struct Reason: Decodable, Sendable, Equatable {
        public enum Code: String, Decodable, Sendable, Equatable {
            case technicalProblem = "technical_problem"
            case noInternet = "no_internet"
            case illness
            case other
        }

        public var code: Code
        public var text: String?

        public init(code: Code, text: String? = nil) {
            self.code = code
            self.text = text
        }
    }

    /// Longest reason text, in characters.
    public static let maxReasonText = 200

    public var studentID: String
    public var status: Status
    public var reason: Reason?
    /// From when the mark holds (ms since the epoch); nil: from when the server receives it.
    /// May be earlier (a correction, or "present since the start"); never later than now.
    public var effectiveFrom: Int64?

    enum CodingKeys: String, CodingKey {
        case studentID = "student_id"
        case status
        case reason
        case effectiveFrom = "effective_from"
    }

    public init(studentID: String, status: Status, reason: Reason? = nil, effectiveFrom: Int64? = nil) {
        self.studentID = studentID
        self.status = status
        self.reason = reason
        self.effectiveFrom = effectiveFrom
    }

    public func validate() throws(ProtocolError) {
        try Check.identifier(studentID, "student_id")
        if let reason {
            if let text = reason.text {
                try Check.text(text, max: Self.maxReasonText, "reason.text", allowEmpty: reason.code != .other)
            } else if reason.code == .other {
                throw ProtocolError(.invalidField, "reason other needs a text")
            }
        }
        if let effectiveFrom { try Check.range(effectiveFrom, 0...(Int64(1) << 53), "effective_from") }
    }
}

/// `attendance.live`: who is connected now, who dropped, and the roll call, as of `at`. Sent to
/// teachers, administrators and observers whenever it changes (a connection opens or closes,
/// a roll-call mark, a lesson transition) and to such a participant right after `welcome`.
/// Local teachers get their own classroom (and the teachers) only.
public struct AttendanceLiveMessage: ServerMessage {
    public static let type = "attendance.live"

    /// One participant who opened a connection in this lesson.
    public struct Entry: Encodable, Sendable, Equatable {
        public var participant: Participant
        public var connected: Bool
        /// Open connections now (two devices, or an overlapping reconnect).
        public var openConnections: Int
        /// Start of the current unbroken online stretch; absent when not connected.
        public var connectedSince: Instant?
        /// When the participant's last connection closed; absent while connected.
        public var lastLeft: Instant?
        /// Online stretches that ended since the lesson started.
        public var drops: Int
        /// Online time while the lesson ran, so far.
        public var onlineMs: Int64

        enum CodingKeys: String, CodingKey {
            case participant, connected, drops
            case openConnections = "open_connections"
            case connectedSince = "connected_since"
            case lastLeft = "last_left"
            case onlineMs = "online_ms"
        }

        public init(participant: Participant, connected: Bool, openConnections: Int, connectedSince: Instant?,
                    lastLeft: Instant?, drops: Int, onlineMs: Int64) {
            self.participant = participant
            self.connected = connected
            self.openConnections = openConnections
            self.connectedSince = connectedSince
            self.lastLeft = lastLeft
            self.drops = drops
            self.onlineMs = onlineMs
        }
    }

    /// A student's current roll-call mark.
    public struct Mark: Encodable, Sendable, Equatable {
        public struct Reason: Encodable, Sendable, Equatable {
            public var code: String
            public var text: String?
            public init(code: String, text: String?) {
                self.code = code
                self.text = text
            }
        }

        public var studentID: ParticipantID
        public var classroomID: ClassroomID?
        public var status: String
        public var reason: Reason?
        public var onlineMs: Int64

        enum CodingKeys: String, CodingKey {
            case status, reason
            case studentID = "student_id"
            case classroomID = "classroom_id"
            case onlineMs = "online_ms"
        }

        public init(studentID: ParticipantID, classroomID: ClassroomID?, status: String, reason: Reason?, onlineMs: Int64) {
            self.studentID = studentID
            self.classroomID = classroomID
            self.status = status
            self.reason = reason
            self.onlineMs = onlineMs
        }
    }

    public var at: Instant
    /// `not_started`, `running`, `paused` or `ended`.
    public var lessonState: String
    /// Sorted by participant id.
    public var participants: [Entry]
    /// Sorted by student id.
    public var rollCall: [Mark]

    enum CodingKeys: String, CodingKey {
        case at, participants
        case lessonState = "lesson_state"
        case rollCall = "roll_call"
    }

    public init(at: Instant, lessonState: String, participants: [Entry], rollCall: [Mark]) {
        self.at = at
        self.lessonState = lessonState
        self.participants = participants
        self.rollCall = rollCall
    }

    public var connected: [Entry] { participants.filter(\.connected) }
    public var dropped: [Entry] { participants.filter { !$0.connected } }
}

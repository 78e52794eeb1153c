import TirekCore

/// What the local teacher says about a student in the roll call.
public enum RollCallStatus: String, Hashable, Codable, Sendable {
    case present
    case absent
}

/// One roll-call mark by a local teacher. Marks are corrections of each other: a mark sets the
/// student's status from `effectiveFrom` (default: the mark's own instant `at`) onwards,
/// replacing whatever earlier-entered marks said about that time. So "present at t1", then
/// "absent at t2" counts the student in `[t1, t2)`; a later correction "present from t0"
/// counts them from t0 on.
public struct RollCallMark: Hashable, Codable, Sendable {
    public var student: ParticipantID
    /// The classroom whose screen the student watches; their online time while marked
    /// present is that screen's connected time.
    public var classroom: ClassroomID
    public var status: RollCallStatus
    /// Why the student is absent (meaningful with `.absent`; kept with `.present` too, for
    /// a student who came late for a reason).
    public var reason: AbsenceReason?
    /// The teacher who made the mark (informational).
    public var markedBy: ParticipantID?
    /// From when the mark holds; nil means from `at`. May be earlier than `at` (a correction,
    /// or the initial roll call saying "present since the lesson started").
    public var effectiveFrom: Instant?
    /// When the mark was made.
    public var at: Instant

    enum CodingKeys: String, CodingKey {
        case student = "student_id"
        case classroom = "classroom_id"
        case status
        case reason
        case markedBy = "marked_by"
        case effectiveFrom = "effective_from"
        case at
    }

    public init(student: ParticipantID, classroom: ClassroomID, status: RollCallStatus,
                reason: AbsenceReason? = nil, markedBy: ParticipantID? = nil,
                effectiveFrom: Instant? = nil, at: Instant) {
        self.student = student
        self.classroom = classroom
        self.status = status
        self.reason = reason
        self.markedBy = markedBy
        self.effectiveFrom = effectiveFrom
        self.at = at
    }

    /// The instant from which the mark holds.
    public var from: Instant { effectiveFrom ?? at }
}

/// A student's roll-call status over time: segments sorted by `from`, each holding until the
/// next one starts.
struct RollCallTimeline: Hashable, Codable, Sendable {
    struct Segment: Hashable, Codable, Sendable {
        var from: Instant
        var status: RollCallStatus
        var classroom: ClassroomID
        var reason: AbsenceReason?

        enum CodingKeys: String, CodingKey {
            case from
            case status
            case classroom = "classroom_id"
            case reason
        }
    }

    var segments: [Segment] = []

    enum CodingKeys: String, CodingKey {
        case segments
    }

    /// Applies a mark in entry order: it overrides everything from its `from` on.
    mutating func apply(_ mark: RollCallMark) {
        let from = mark.from
        segments.removeAll { $0.from >= from }
        segments.append(Segment(from: from, status: mark.status, classroom: mark.classroom, reason: mark.reason))
    }

    /// The present segments as intervals, with the classroom whose screen counts for each.
    var presentSpans: [(classroom: ClassroomID, interval: Interval)] {
        var spans: [(ClassroomID, Interval)] = []
        for (index, segment) in segments.enumerated() where segment.status == .present {
            let end = index + 1 < segments.count ? segments[index + 1].from : .distantFuture
            spans.append((segment.classroom, Interval(segment.from, end)))
        }
        return spans
    }

    /// The reason of the last segment that carries one (absence reasons stay with the record
    /// even after the student is marked present again, e.g. late because of no internet).
    var reason: AbsenceReason? { segments.last(where: { $0.reason != nil })?.reason }

    var current: Segment? { segments.last }

    var classroom: ClassroomID? { segments.last?.classroom }
}

import TirekCore

/// Time spent in one phase.
public struct PhaseTime: Hashable, Codable, Sendable {
    public var phase: String
    public var ms: Millis

    enum CodingKeys: String, CodingKey {
        case phase
        case ms
    }

    public init(phase: String, ms: Millis) {
        self.phase = phase
        self.ms = ms
    }
}

/// The lesson's own figures as of an instant.
public struct LessonFigures: Hashable, Codable, Sendable {
    public var state: LessonState
    public var startedAt: Instant?
    public var endedAt: Instant?
    /// Start to end (or to "now" while running), breaks excluded.
    public var runningMs: Millis
    /// Running time per phase, in the order phases first started; sums to `runningMs` when
    /// any phase started.
    public var phases: [PhaseTime]
    /// First joins after this instant are `late`; nil when the late phase has not ended.
    public var lateAfter: Instant?

    enum CodingKeys: String, CodingKey {
        case state
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case runningMs = "running_ms"
        case phases
        case lateAfter = "late_after"
    }
}

/// One student's figures as of an instant.
public struct StudentFigures: Hashable, Codable, Sendable {
    public var student: ParticipantID
    /// From the student's own connection, else from the roll call; nil when neither says.
    public var classroom: ClassroomID?
    /// Online while the lesson ran (start to end, breaks excluded), overlaps counted once.
    public var onlineMs: Millis
    /// `onlineMs` split by phase, one entry per lesson phase (zeros included).
    public var phases: [PhaseTime]
    /// First online instant within the lesson's start..end (breaks included); nil if never.
    public var firstJoin: Instant?
    /// Last online instant within start..end (the end if still online then); nil if never.
    public var lastLeave: Instant?
    /// Continuous online stretches touching start..end.
    public var joins: Int
    /// Stretches that ended after the start and before the end (leaving early counts).
    public var drops: Int
    /// The longest stretch within start..end without being online, measured in running
    /// time (breaks excluded); includes the stretch before a late first join and after an
    /// early last leave; the whole running time for a student never online.
    public var longestGapMs: Millis
    public var status: AttendanceStatus
    /// The roll call's reason, if the local teacher gave one.
    public var reason: AbsenceReason?
    /// The roll call's current mark; nil when never marked.
    public var rollCall: RollCallStatus?

    enum CodingKeys: String, CodingKey {
        case student = "student_id"
        case classroom = "classroom_id"
        case onlineMs = "online_ms"
        case phases
        case firstJoin = "first_join"
        case lastLeave = "last_leave"
        case joins
        case drops
        case longestGapMs = "longest_gap_ms"
        case status
        case reason
        case rollCall = "roll_call"
    }
}

/// One classroom's connection-quality figures as of an instant.
public struct ClassroomFigures: Hashable, Codable, Sendable {
    public var classroom: ClassroomID
    /// The classroom screen's connected time while the lesson ran (several screens merged).
    public var screenOnlineMs: Millis
    public var screenJoins: Int
    public var screenDrops: Int
    /// Running time in which the classroom could not see the hub: its screen was not
    /// connected, or the stream was reported unavailable.
    public var withoutStreamMs: Millis
    /// Running time in which the screen was connected but the stream was reported unavailable.
    public var streamUnavailableMs: Millis

    enum CodingKeys: String, CodingKey {
        case classroom = "classroom_id"
        case screenOnlineMs = "screen_online_ms"
        case screenJoins = "screen_joins"
        case screenDrops = "screen_drops"
        case withoutStreamMs = "without_stream_ms"
        case streamUnavailableMs = "stream_unavailable_ms"
    }
}

extension AttendanceLedger {
    public func lessonFigures(at now: Instant) -> LessonFigures {
        let running = timeline.running(at: now)
        return LessonFigures(state: timeline.state, startedAt: timeline.startedAt, endedAt: timeline.endedAt,
                             runningMs: running.duration,
                             phases: timeline.phaseSets().map { PhaseTime(phase: $0.phase, ms: running.intersection($0.set).duration) },
                             lateAfter: policy.latePhase.flatMap { timeline.end(ofFirst: $0) })
    }

    /// Every student the ledger knows of (own connections or roll-call marks), by id.
    public var knownStudents: [ParticipantID] {
        var ids = Set(rollCalls.keys)
        for session in sessions where session.role == .student { ids.insert(session.participant) }
        return ids.sorted()
    }

    /// Every classroom the ledger knows of (screens, students, roll calls, stream reports), by id.
    public var knownClassrooms: [ClassroomID] {
        var ids = Set(streams.keys)
        for session in sessions { if let classroom = session.classroom { ids.insert(classroom) } }
        for timeline in rollCalls.values { for segment in timeline.segments { ids.insert(segment.classroom) } }
        return ids.sorted()
    }

    public func studentFigures(at now: Instant) -> [StudentFigures] {
        knownStudents.map { studentFigures(for: $0, at: now) }
    }

    /// Figures for any student id; one the ledger never heard of is `absent` with zeros.
    public func studentFigures(for student: ParticipantID, at now: Instant) -> StudentFigures {
        let running = timeline.running(at: now)
        let window = timeline.window(at: now)
        let online = onlineSet(of: student, at: now)
        let counted = online.intersection(running)
        let phases = timeline.phaseSets().map { PhaseTime(phase: $0.phase, ms: counted.intersection($0.set).duration) }
        let inWindow = window.map { online.intersection($0) } ?? .empty
        let stretches = Stretches(online.bridgingGaps(upTo: policy.reconnectGrace), window: window)
        var longestGap = Millis.zero
        if let window {
            for gap in online.complement(within: window).intervals {
                longestGap = max(longestGap, running.intersection(gap).duration)
            }
        }
        let onlineMs = counted.duration
        let firstJoin = inWindow.first
        let status: AttendanceStatus
        if onlineMs <= .zero {
            status = .absent
        } else if let cutoff = policy.latePhase.flatMap({ timeline.end(ofFirst: $0) }), let firstJoin, firstJoin > cutoff {
            status = .late
        } else if onlineMs.value * 100 >= Int64(min(max(policy.presentPercent, 0), 100)) * running.duration.value {
            status = .present
        } else {
            status = .partial
        }
        let ownClassroom = (byParticipant[student] ?? []).last { sessions[$0].role == .student && sessions[$0].classroom != nil }
        return StudentFigures(student: student,
                              classroom: ownClassroom.flatMap { sessions[$0].classroom } ?? rollCalls[student]?.classroom,
                              onlineMs: onlineMs, phases: phases, firstJoin: firstJoin, lastLeave: inWindow.last,
                              joins: stretches.joins, drops: stretches.drops, longestGapMs: longestGap,
                              status: status, reason: rollCalls[student]?.reason,
                              rollCall: rollCalls[student]?.current?.status)
    }

    public func classroomFigures(at now: Instant) -> [ClassroomFigures] {
        knownClassrooms.map { classroomFigures(for: $0, at: now) }
    }

    public func classroomFigures(for classroom: ClassroomID, at now: Instant) -> ClassroomFigures {
        let running = timeline.running(at: now)
        let screen = screenSet(of: classroom, at: now)
        let unavailable = streamUnavailableSet(of: classroom)
        let stretches = Stretches(screen.bridgingGaps(upTo: policy.reconnectGrace), window: timeline.window(at: now))
        return ClassroomFigures(classroom: classroom,
                                screenOnlineMs: screen.intersection(running).duration,
                                screenJoins: stretches.joins, screenDrops: stretches.drops,
                                withoutStreamMs: running.subtracting(screen.subtracting(unavailable)).duration,
                                streamUnavailableMs: screen.intersection(unavailable).intersection(running).duration)
    }
}

/// Joins and drops of a connected set relative to the lesson window.
struct Stretches {
    var joins = 0
    var drops = 0

    init(_ set: IntervalSet, window: Interval?) {
        guard let window, !window.isEmpty else { return }
        for stretch in set.intervals {
            if stretch.start < window.end && stretch.end > window.start { joins += 1 }
            if stretch.end > window.start && stretch.end < window.end { drops += 1 }
        }
    }
}

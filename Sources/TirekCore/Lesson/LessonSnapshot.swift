/// The next handoff as clients should show it.
public struct PendingHandoff: Codable, Sendable, Hashable {
    /// When it happens; nil while paused (it moves with the pause) or when nothing will
    /// start the lesson by itself.
    public var at: Instant?
    /// nil when the handoff ends the lesson.
    public var nextPhaseIndex: Int?
    public var nextPhase: PhaseSpec?
    public var nextLead: Lead?
    public var endsLesson: Bool

    public init(at: Instant?, nextPhaseIndex: Int?, nextPhase: PhaseSpec?, nextLead: Lead?, endsLesson: Bool) {
        self.at = at
        self.nextPhaseIndex = nextPhaseIndex
        self.nextPhase = nextPhase
        self.nextLead = nextLead
        self.endsLesson = endsLesson
    }

    enum CodingKeys: String, CodingKey {
        case at
        case nextPhaseIndex = "next_phase_index"
        case nextPhase = "next_phase"
        case nextLead = "next_lead"
        case endsLesson = "ends_lesson"
    }
}

public struct FlaggedClassroom: Codable, Sendable, Hashable {
    public var classroomID: ClassroomID
    public var since: Instant

    public init(classroomID: ClassroomID, since: Instant) {
        self.classroomID = classroomID
        self.since = since
    }

    enum CodingKeys: String, CodingKey {
        case classroomID = "classroom_id"
        case since
    }
}

/// Everything a client needs to show the lesson's state and the same countdown as every
/// other screen. Absent optional fields mean "not applicable now".
public struct LessonSnapshot: Codable, Sendable, Hashable {
    public var lessonID: LessonID
    public var serverTime: Instant
    public var status: LessonStatus
    public var seq: Int
    public var model: LessonModel
    public var phaseCount: Int
    public var phaseIndex: Int?
    public var phase: PhaseSpec?
    public var phaseStartedAt: Instant?
    public var plannedEnd: Instant?
    public var phaseLength: Millis?
    public var remaining: Millis?
    public var elapsed: Millis?
    public var pausedAt: Instant?
    public var pausedTotal: Millis
    public var lead: Lead?
    public var fallback: Bool
    public var hubStream: StreamMode
    public var classroomsMuted: Bool
    public var pendingHandoff: PendingHandoff?
    public var flaggedClassrooms: [FlaggedClassroom]
    public var hubAwaySince: Instant?
    public var hubGraceUntil: Instant?
    public var scheduledStart: Instant
    public var lobbyOpensAt: Instant
    public var autoStartAt: Instant?
    public var startedAt: Instant?
    public var endedAt: Instant?
    public var nextDeadline: Instant?

    enum CodingKeys: String, CodingKey {
        case lessonID = "lesson_id"
        case serverTime = "server_time"
        case status
        case seq
        case model
        case phaseCount = "phase_count"
        case phaseIndex = "phase_index"
        case phase
        case phaseStartedAt = "phase_started_at"
        case plannedEnd = "planned_end"
        case phaseLength = "phase_length_ms"
        case remaining = "remaining_ms"
        case elapsed = "elapsed_ms"
        case pausedAt = "paused_at"
        case pausedTotal = "paused_total_ms"
        case lead
        case fallback
        case hubStream = "hub_stream"
        case classroomsMuted = "classrooms_muted"
        case pendingHandoff = "pending_handoff"
        case flaggedClassrooms = "flagged_classrooms"
        case hubAwaySince = "hub_away_since"
        case hubGraceUntil = "hub_grace_until"
        case scheduledStart = "scheduled_start"
        case lobbyOpensAt = "lobby_opens_at"
        case autoStartAt = "auto_start_at"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case nextDeadline = "next_deadline"
    }
}

extension LessonEngine {
    /// The snapshot as of `at` (server time; call after handling a tick at `at` so no
    /// deadline is overdue). Reads only; remaining time is clamped at zero.
    public func snapshot(at: Instant) -> LessonSnapshot {
        let phases = config.plan.phases
        var remaining: Millis?
        var elapsed: Millis?
        var pausedTotal = lessonPausedTotal
        if let end = plannedEnd, let start = phaseStartedAt {
            let clock = pausedAt ?? at
            remaining = max(.zero, end - clock)
            elapsed = max(.zero, clock - start - phasePausedTotal)
        }
        if let p = pausedAt { pausedTotal += max(.zero, at - p) }

        var pending: PendingHandoff?
        switch status {
        case .scheduled, .lobby:
            pending = PendingHandoff(at: config.autoStartAt, nextPhaseIndex: 0, nextPhase: phases[0],
                                     nextLead: phases[0].lead, endsLesson: false)
        case .running, .paused:
            let next = (phaseIndex ?? 0) + 1
            let ends = next >= phases.count
            pending = PendingHandoff(at: status == .running ? plannedEnd : nil,
                                     nextPhaseIndex: ends ? nil : next,
                                     nextPhase: ends ? nil : phases[next],
                                     nextLead: ends ? nil : phases[next].lead,
                                     endsLesson: ends)
        case .ended:
            pending = nil
        }

        return LessonSnapshot(
            lessonID: config.lessonID, serverTime: at, status: status, seq: seq,
            model: config.plan.model, phaseCount: phases.count, phaseIndex: phaseIndex,
            phase: currentSpec, phaseStartedAt: phaseStartedAt, plannedEnd: plannedEnd,
            phaseLength: inPhase ? phaseLength : nil, remaining: remaining, elapsed: elapsed,
            pausedAt: pausedAt, pausedTotal: pausedTotal, lead: effectiveLead,
            fallback: fallbackActive, hubStream: hubStream, classroomsMuted: classroomsMutedByDefault,
            pendingHandoff: pending,
            flaggedClassrooms: flagged.keys.sorted().map { FlaggedClassroom(classroomID: $0, since: flagged[$0]!) },
            hubAwaySince: hubAwaySince, hubGraceUntil: graceDeadline,
            scheduledStart: config.scheduledStart, lobbyOpensAt: config.lobbyOpensAt,
            autoStartAt: config.autoStartAt, startedAt: startedAt, endedAt: endedAt,
            nextDeadline: nextDeadline)
    }
}

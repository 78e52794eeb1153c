/// The lesson state machine: events in, actions out. Pure and deterministic: no clock, no
/// I/O. Every event first advances time to its instant (carrying out each due deadline at
/// its own instant: lobby opening, auto-start, warnings, handoffs, fallback), then applies
/// itself. So the state depends only on the events and their instants, not on how often the
/// server ticks; `replay` rebuilds it from a persisted event log.
public struct LessonEngine: Sendable, Hashable {
    public let config: LessonConfig

    public internal(set) var status: LessonStatus = .scheduled
    /// The latest instant the engine has seen (events earlier than this are treated as now).
    public internal(set) var now = Instant(millis: .min)
    /// Number of transitions so far (the last record's seq).
    public internal(set) var seq = 0

    public internal(set) var phaseIndex: Int?
    public internal(set) var phaseStartedAt: Instant?
    /// Planned end of the current phase. While paused it is the value before the pause;
    /// resuming shifts it by the pause length.
    public internal(set) var plannedEnd: Instant?
    /// Planned length of the current phase including extensions.
    public internal(set) var phaseLength: Millis = .zero
    public internal(set) var pausedAt: Instant?
    /// Paused time within the current phase (completed pauses).
    public internal(set) var phasePausedTotal: Millis = .zero
    /// Paused time within the whole lesson (completed pauses).
    public internal(set) var lessonPausedTotal: Millis = .zero
    public internal(set) var startedAt: Instant?
    public internal(set) var endedAt: Instant?
    /// Warning offsets already emitted (or passed) for the current planned end.
    var firedWarnings: Set<Millis> = []

    var hubConnections: [ParticipantID: Int] = [:]
    var localConnections: [ClassroomID: [ParticipantID: Int]] = [:]
    public internal(set) var knownClassrooms: Set<ClassroomID>
    /// Since when the hub teacher has been missing from the current hub-led phase.
    public internal(set) var hubAwaySince: Instant?
    /// The lead of the current hub-led phase has fallen back to the local teachers.
    public internal(set) var fallbackActive = false
    /// Classrooms without their local teacher while led locally, with the instant flagged.
    public internal(set) var flagged: [ClassroomID: Instant] = [:]

    public init(config: LessonConfig) {
        self.config = config
        self.knownClassrooms = Set(config.classrooms)
    }

    /// Rebuilds an engine from its persisted events.
    public static func replay(config: LessonConfig, events: [LessonEvent]) -> LessonEngine {
        var engine = LessonEngine(config: config)
        for event in events { _ = engine.handle(event) }
        return engine
    }

    /// Applies one event.
    public mutating func handle(_ event: LessonEvent) -> LessonStep {
        var out: [LessonAction] = []
        advance(to: max(event.at, now), into: &out)
        switch event {
        case .tick:
            return LessonStep(actions: out)
        case .command(let command, _):
            do {
                try check(command)
            } catch {
                return LessonStep(actions: out, refusal: error)
            }
            perform(command, into: &out)
        case .participantConnected(let p, _):
            connect(p, into: &out)
        case .participantDisconnected(let p, _):
            disconnect(p, into: &out)
        }
        return LessonStep(actions: out)
    }

    /// Convenience for `handle(.tick(at:))`.
    public mutating func tick(at: Instant) -> [LessonAction] {
        handle(.tick(at: at)).actions
    }

    /// Convenience for `handle(.command(...))`.
    public mutating func send(_ command: LessonCommand, at: Instant) -> LessonStep {
        handle(.command(command, at: at))
    }

    // MARK: - Derived state

    public var currentSpec: PhaseSpec? { phaseIndex.map { config.plan.phases[$0] } }

    var inPhase: Bool { status == .running || status == .paused }

    /// The current state as the log records it.
    public var point: LessonPoint {
        LessonPoint(status: status, phaseIndex: phaseIndex, phaseID: currentSpec?.id,
                    lead: effectiveLead, plannedEnd: plannedEnd)
    }

    /// When the lead falls back if the hub teacher stays away (nil if not pending).
    public var graceDeadline: Instant? {
        guard config.fallbackToLocal, !fallbackActive, let since = hubAwaySince else { return nil }
        return since + config.hubDropGrace
    }

    /// The next warning instant not yet emitted, with its offset.
    var nextWarning: (at: Instant, before: Millis)? {
        guard status == .running, let end = plannedEnd else { return nil }
        // warnings are stored longest first, so the first unfired one is the earliest
        guard let w = config.warnings.first(where: { !firedWarnings.contains($0) }) else { return nil }
        return (end - w, w)
    }

    /// The next instant at which the engine needs a tick; nil when nothing is pending.
    /// The server keeps exactly one timer for it.
    public var nextDeadline: Instant? {
        var candidates: [Instant] = []
        switch status {
        case .scheduled:
            candidates.append(config.lobbyOpensAt)
        case .lobby:
            if let a = config.autoStartAt { candidates.append(a) }
        case .running:
            if let end = plannedEnd { candidates.append(end) }
            if let w = nextWarning { candidates.append(w.at) }
            if let g = graceDeadline { candidates.append(g) }
        case .paused:
            if let g = graceDeadline { candidates.append(g) }
        case .ended:
            break
        }
        return candidates.min()
    }

    // MARK: - Time

    mutating func advance(to t: Instant, into out: inout [LessonAction]) {
        while let d = nextDeadline, d <= t {
            now = max(now, d)
            fireDeadline(at: now, horizon: t, into: &out)
        }
        now = t
    }

    /// Carries out the deadline due at `d`; `t` is the instant time is advancing to.
    private mutating func fireDeadline(at d: Instant, horizon t: Instant, into out: inout [LessonAction]) {
        switch status {
        case .scheduled:
            let from = point
            status = .lobby
            record(from: from, why: .lobbyOpened, by: nil, into: &out)
        case .lobby:
            enterPhase(0, why: .autoStarted, by: nil, into: &out)
        case .running, .paused:
            if let g = graceDeadline, g <= d {
                fallBack(into: &out)
            } else if status == .running, let end = plannedEnd, end <= d {
                enterPhase((phaseIndex ?? 0) + 1, why: .scheduled, by: nil, into: &out)
            } else if status == .running {
                emitWarnings(horizon: t, into: &out)
            }
        case .ended:
            break
        }
    }

    /// Marks every warning due by `t` as fired and emits the most urgent one, unless the
    /// handoff itself is also due by `t` (then it would be news from the past).
    private mutating func emitWarnings(horizon t: Instant, into out: inout [LessonAction]) {
        guard let end = plannedEnd, let index = phaseIndex, let lead = effectiveLead else { return }
        let due = config.warnings.filter { !firedWarnings.contains($0) && end - $0 <= t }
        firedWarnings.formUnion(due)
        guard end > t, let before = due.min() else { return }
        let next = index + 1 < config.plan.phases.count ? index + 1 : nil
        let nextSpec = next.map { config.plan.phases[$0] }
        out.append(.handoffWarning(HandoffWarning(
            at: t, phaseIndex: index, phaseID: config.plan.phases[index].id, lead: lead,
            nextPhaseIndex: next, nextPhaseID: nextSpec?.id, nextLead: nextSpec?.lead,
            handoffAt: end, before: before, remaining: end - t)))
    }

    // MARK: - Transitions

    /// Starts phase `index` at `now`, or ends the lesson when there is no such phase.
    mutating func enterPhase(_ index: Int, why: TransitionReason, by: Participant?,
                             into out: inout [LessonAction]) {
        let from = point
        fallbackActive = false
        hubAwaySince = nil
        if index < config.plan.phases.count {
            status = .running
            phaseIndex = index
            phaseStartedAt = now
            phaseLength = config.length(ofPhase: index)
            let end = now + phaseLength
            plannedEnd = end
            phasePausedTotal = .zero
            pausedAt = nil
            firedWarnings = Set(config.warnings.filter { end - $0 <= now })
            if startedAt == nil { startedAt = now }
        } else {
            finish()
        }
        record(from: from, why: why, by: by, into: &out)
        reconcilePresence(by: nil, into: &out)
    }

    /// Moves to `ended` at `now`, closing an open pause.
    mutating func finish() {
        if let p = pausedAt { lessonPausedTotal += now - p }
        status = .ended
        endedAt = now
        phaseIndex = nil
        phaseStartedAt = nil
        plannedEnd = nil
        phaseLength = .zero
        phasePausedTotal = .zero
        pausedAt = nil
        firedWarnings = []
        fallbackActive = false
        hubAwaySince = nil
    }

    private mutating func fallBack(into out: inout [LessonAction]) {
        let from = point
        fallbackActive = true
        record(from: from, why: .fallback, by: nil, into: &out)
        out.append(.leadFallback(phaseIndex: phaseIndex ?? 0, at: now))
        reconcilePresence(by: nil, into: &out)
    }

    mutating func record(from: LessonPoint, why: TransitionReason, by: Participant?, minutes: Int? = nil,
                         into out: inout [LessonAction]) {
        seq += 1
        out.append(.record(TransitionRecord(seq: seq, at: now, from: from, to: point, by: by?.id,
                                            byRole: by?.role, why: why, minutes: minutes)))
    }
}

import TirekCore

/// The lesson's start, breaks, phases and end. Lifecycle instants are kept monotonic: one
/// earlier than the previous lifecycle event (a clock step back) is moved up to it.
struct LessonTimeline: Hashable, Codable, Sendable {
    struct Pause: Hashable, Codable, Sendable {
        var start: Instant
        var end: Instant?
    }

    struct PhaseStart: Hashable, Codable, Sendable {
        var phase: String
        var start: Instant
    }

    var startedAt: Instant?
    var endedAt: Instant?
    var pauses: [Pause] = []
    var phases: [PhaseStart] = []
    var lastAt: Instant?

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case pauses
        case phases
        case lastAt = "last_at"
    }

    var state: LessonState {
        if endedAt != nil { return .ended }
        guard startedAt != nil else { return .notStarted }
        if let pause = pauses.last, pause.end == nil { return .paused }
        return .running
    }

    private mutating func clamp(_ at: Instant) -> Instant {
        let t = max(at, lastAt ?? at)
        lastAt = t
        return t
    }

    /// Applies a lifecycle event; a refusal when it does not fit the current state.
    mutating func apply(_ event: AttendanceEvent) -> Refusal? {
        switch event {
        case .lessonStarted(let at):
            guard state == .notStarted else { return Refusal(.invalidState, "the lesson has already started") }
            startedAt = clamp(at)
        case .phaseStarted(let phase, let at):
            guard !phase.isEmpty else { return Refusal(.invalidValue, "the phase id is empty") }
            guard state != .ended else { return Refusal(.invalidState, "the lesson has ended") }
            if phases.last?.phase == phase { return Refusal(.invalidState, "phase \(phase) is already running") }
            phases.append(PhaseStart(phase: phase, start: clamp(at)))
        case .lessonPaused(let at):
            guard state == .running else { return Refusal(.invalidState, "the lesson is not running") }
            pauses.append(Pause(start: clamp(at), end: nil))
        case .lessonResumed(let at):
            guard state == .paused else { return Refusal(.invalidState, "the lesson is not paused") }
            pauses[pauses.count - 1].end = clamp(at)
        case .lessonEnded(let at):
            guard state == .running || state == .paused else {
                return Refusal(.invalidState, state == .ended ? "the lesson has already ended" : "the lesson has not started")
            }
            let t = clamp(at)
            if state == .paused { pauses[pauses.count - 1].end = t }
            endedAt = t
        default:
            break
        }
        return nil
    }

    /// `[start, end)` where end is the lesson's end, or `now` while it runs; nil before the start.
    func window(at now: Instant) -> Interval? {
        guard let start = startedAt else { return nil }
        return Interval(start, endedAt ?? max(now, start))
    }

    /// The instants in which the lesson was running: the window less the breaks.
    func running(at now: Instant) -> IntervalSet {
        guard let window = window(at: now) else { return .empty }
        let breaks = IntervalSet(pauses.map { Interval($0.start, $0.end ?? window.end) })
        return IntervalSet(window).subtracting(breaks)
    }

    /// Phase ids in the order they first started.
    var phaseOrder: [String] {
        var seen = Set<String>()
        return phases.map(\.phase).filter { seen.insert($0).inserted }
    }

    /// Each phase's instants (unbounded; intersect with `running`). The first phase also covers
    /// the time before it, so every running instant belongs to exactly one phase.
    func phaseSets() -> [(phase: String, set: IntervalSet)] {
        var spans: [String: [Interval]] = [:]
        for (index, phase) in phases.enumerated() {
            let start = index == 0 ? Instant.distantPast : phase.start
            let end = index + 1 < phases.count ? phases[index + 1].start : Instant.distantFuture
            spans[phase.phase, default: []].append(Interval(start, end))
        }
        return phaseOrder.map { ($0, IntervalSet(spans[$0] ?? [])) }
    }

    /// When the first occurrence of `phase` ended (the next phase started); nil when it never
    /// ran or has not ended yet (then nobody can be late for it).
    func end(ofFirst phase: String) -> Instant? {
        guard let index = phases.firstIndex(where: { $0.phase == phase }), index + 1 < phases.count else { return nil }
        return phases[index + 1].start
    }
}

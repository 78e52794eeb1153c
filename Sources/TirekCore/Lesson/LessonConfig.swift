/// Everything the engine needs to know about one lesson before it begins. Validated on
/// creation and on decoding; an invalid config cannot exist.
public struct LessonConfig: Codable, Sendable, Hashable {
    public var lessonID: LessonID
    public var plan: PhasePlan
    /// Chosen duration of each phase in minutes, one per phase of `plan`, in order.
    public private(set) var minutes: [Int]
    public var scheduledStart: Instant
    /// The lobby opens this long before the scheduled start.
    public var lobbyOpensBefore: Millis
    /// Phase 1 starts by itself this long after the scheduled start unless someone pressed
    /// start earlier; nil means it only starts when someone presses start.
    public var autoStartAfter: Millis?
    /// Warnings before each planned handoff (distinct, positive), stored longest first.
    public private(set) var warnings: [Millis]
    /// How long the hub teacher may be away in a hub-led phase before the lead falls back.
    public var hubDropGrace: Millis
    /// Whether the lead falls back to local teachers after the grace period (false for
    /// small-group lessons: there are no local teachers).
    public var fallbackToLocal: Bool
    /// Classrooms expected in the lesson (flagged in local phases while their local teacher
    /// is missing, even if nobody from them ever connected). Others are learnt from connections.
    public var classrooms: [ClassroomID]

    public init(
        lessonID: LessonID,
        plan: PhasePlan = .hubLesson,
        minutes chosen: [String: Int] = [:],
        scheduledStart: Instant,
        lobbyOpensBefore: Millis = .minutes(10),
        autoStartAfter: Millis? = .zero,
        warnings: [Millis] = [.minutes(2), .seconds(30)],
        hubDropGrace: Millis = .seconds(60),
        fallbackToLocal: Bool? = nil,
        classrooms: [ClassroomID] = []
    ) throws(Refusal) {
        try plan.validate()
        self.lessonID = lessonID
        self.plan = plan
        self.minutes = try plan.resolveMinutes(chosen)
        self.scheduledStart = scheduledStart
        self.lobbyOpensBefore = lobbyOpensBefore
        self.autoStartAfter = autoStartAfter
        self.warnings = warnings.sorted(by: >)
        self.hubDropGrace = hubDropGrace
        self.fallbackToLocal = fallbackToLocal ?? (plan.model != .smallGroup)
        self.classrooms = classrooms.sorted()
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case lessonID = "lesson_id"
        case plan
        case minutes
        case scheduledStart = "scheduled_start"
        case lobbyOpensBefore = "lobby_opens_before_ms"
        case autoStartAfter = "auto_start_after_ms"
        case warnings = "warnings_ms"
        case hubDropGrace = "hub_drop_grace_ms"
        case fallbackToLocal = "fallback_to_local"
        case classrooms
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lessonID = try c.decode(LessonID.self, forKey: .lessonID)
        plan = try c.decode(PhasePlan.self, forKey: .plan)
        minutes = try c.decode([Int].self, forKey: .minutes)
        scheduledStart = try c.decode(Instant.self, forKey: .scheduledStart)
        lobbyOpensBefore = try c.decode(Millis.self, forKey: .lobbyOpensBefore)
        autoStartAfter = try c.decodeIfPresent(Millis.self, forKey: .autoStartAfter)
        warnings = try c.decode([Millis].self, forKey: .warnings).sorted(by: >)
        hubDropGrace = try c.decode(Millis.self, forKey: .hubDropGrace)
        fallbackToLocal = try c.decode(Bool.self, forKey: .fallbackToLocal)
        classrooms = try c.decode([ClassroomID].self, forKey: .classrooms).sorted()
        try plan.validate()
        try validate()
    }

    /// When the lobby opens.
    public var lobbyOpensAt: Instant { scheduledStart - lobbyOpensBefore }
    /// When phase 1 starts by itself, if it does.
    public var autoStartAt: Instant? { autoStartAfter.map { scheduledStart + $0 } }
    /// Planned length of phase `index` as chosen for this lesson.
    public func length(ofPhase index: Int) -> Millis { .minutes(Int64(minutes[index])) }

    private func validate() throws(Refusal) {
        guard minutes.count == plan.phases.count else {
            throw Refusal(.invalidValue, "need \(plan.phases.count) phase durations, got \(minutes.count)")
        }
        for (spec, m) in zip(plan.phases, minutes) { try spec.validate(minutes: m) }
        guard lobbyOpensBefore >= .zero else { throw Refusal(.invalidValue, "lobby_opens_before_ms must not be negative") }
        if let a = autoStartAfter, a < .zero { throw Refusal(.invalidValue, "auto_start_after_ms must not be negative") }
        guard hubDropGrace >= .zero else { throw Refusal(.invalidValue, "hub_drop_grace_ms must not be negative") }
        guard warnings.allSatisfy({ $0 > .zero }) else { throw Refusal(.invalidValue, "warnings_ms must be positive") }
        guard Set(warnings).count == warnings.count else { throw Refusal(.invalidValue, "warnings_ms must be distinct") }
    }
}

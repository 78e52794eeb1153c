extension PhaseSpec {
    /// Local teachers greet, take the roll, check the connection. Hub stream in the background.
    public static let organisation = PhaseSpec(
        id: "organisation", title: "Organisation", lead: .local,
        minMinutes: 5, defaultMinutes: 5, maxMinutes: 5, hubStream: .background)
    /// The hub teacher teaches everyone live.
    public static let operational = PhaseSpec(
        id: "operational", title: "Operational", lead: .hub,
        minMinutes: 25, defaultMinutes: 30, maxMinutes: 30, hubStream: .live)
    /// Local teachers consolidate, assess, set homework. Hub stream paused.
    public static let reflection = PhaseSpec(
        id: "reflection", title: "Reflection", lead: .local,
        minMinutes: 10, defaultMinutes: 10, maxMinutes: 15, hubStream: .paused)
}

extension PhasePlan {
    /// The default: organisation 5 / operational 25–30 (30) / reflection 10–15 (10).
    public static let hubLesson = PhasePlan(
        name: "hub_lesson", model: .hub, phases: [.organisation, .operational, .reflection])

    /// Streaming lesson: the same three phases, or the operational phase only
    /// (then it fills the lesson: 25–45 minutes, default 45).
    public static func streamingLesson(operationalOnly: Bool = false) -> PhasePlan {
        if operationalOnly {
            var op = PhaseSpec.operational
            op.maxMinutes = 45
            op.defaultMinutes = 45
            return PhasePlan(name: "streaming_operational_only", model: .streaming, phases: [op])
        }
        return PhasePlan(name: "streaming_lesson", model: .streaming,
                         phases: [.organisation, .operational, .reflection])
    }

    /// Small-group lesson: one teacher, one phase of 15–60 minutes (default 40).
    public static let smallGroupLesson = PhasePlan(
        name: "small_group_lesson", model: .smallGroup,
        phases: [PhaseSpec(id: "operational", title: "Session", lead: .hub,
                           minMinutes: 15, defaultMinutes: 40, maxMinutes: 60, hubStream: .live)])

    /// The built-in template for a model.
    public static func builtIn(_ model: LessonModel) -> PhasePlan {
        switch model {
        case .hub: hubLesson
        case .streaming: streamingLesson()
        case .smallGroup: smallGroupLesson
        }
    }
}

/// The kind of lesson; decides what a plan may contain.
public enum LessonModel: String, Codable, Sendable, Hashable, CaseIterable {
    /// A hub teacher teaches several small-school classrooms, each with a local teacher.
    case hub
    /// One teacher to many schools (~90 schools).
    case streaming
    /// "Digital teacher": 3–5 students at home, one teacher, an assistant; no local phases.
    case smallGroup = "small_group"
}

/// An ordered list of phases. Built-in templates are in `PhasePlan+Templates.swift`.
public struct PhasePlan: Codable, Sendable, Hashable {
    public var name: String
    public var model: LessonModel
    public var phases: [PhaseSpec]

    public init(name: String, model: LessonModel, phases: [PhaseSpec]) {
        self.name = name
        self.model = model
        self.phases = phases
    }

    enum CodingKeys: String, CodingKey {
        case name
        case model
        case phases
    }

    /// Rules: at least one phase, each phase valid, ids unique, at least one hub-led phase,
    /// and a small-group plan has no local-led phase (there are no local teachers).
    public func validate() throws(Refusal) {
        guard !phases.isEmpty else { throw Refusal(.invalidValue, "plan \(name) has no phases") }
        var seen = Set<String>()
        for spec in phases {
            try spec.validate()
            guard seen.insert(spec.id).inserted else {
                throw Refusal(.invalidValue, "plan \(name): phase id \(spec.id) appears twice")
            }
        }
        guard phases.contains(where: { $0.lead == .hub }) else {
            throw Refusal(.invalidValue, "plan \(name) has no hub-led phase")
        }
        if model == .smallGroup, let local = phases.first(where: { $0.lead == .local }) {
            throw Refusal(.invalidValue, "small-group plan \(name) may not have a local-led phase (\(local.id))")
        }
    }

    /// Resolves per-lesson durations (minutes by phase id; missing ids take the default) into
    /// one value per phase, refusing unknown ids and values outside a phase's range.
    public func resolveMinutes(_ chosen: [String: Int]) throws(Refusal) -> [Int] {
        for id in chosen.keys.sorted() where !phases.contains(where: { $0.id == id }) {
            throw Refusal(.invalidValue, "plan \(name) has no phase \(id)")
        }
        var result: [Int] = []
        for spec in phases {
            let minutes = chosen[spec.id] ?? spec.defaultMinutes
            try spec.validate(minutes: minutes)
            result.append(minutes)
        }
        return result
    }
}

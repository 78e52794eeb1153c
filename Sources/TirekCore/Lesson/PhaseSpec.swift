/// What the hub teacher's stream does during a phase.
public enum StreamMode: String, Codable, Sendable, Hashable, CaseIterable {
    /// Full screen, the hub teacher is teaching everyone.
    case live
    /// Shown small behind the classroom's own activity.
    case background
    /// Not shown.
    case paused
}

/// One phase of a lesson plan: who leads it and how long it may last. Plans are data, so a
/// school can define its own phases; the ids "organisation", "operational" and "reflection"
/// are the standard ones.
public struct PhaseSpec: Codable, Sendable, Hashable {
    /// Unique within a plan; also says what kind of phase it is ("operational", or a custom id).
    public var id: String
    public var title: String
    public var lead: Lead
    public var minMinutes: Int
    public var defaultMinutes: Int
    public var maxMinutes: Int
    public var hubStream: StreamMode

    public init(id: String, title: String, lead: Lead, minMinutes: Int, defaultMinutes: Int,
                maxMinutes: Int, hubStream: StreamMode) {
        self.id = id
        self.title = title
        self.lead = lead
        self.minMinutes = minMinutes
        self.defaultMinutes = defaultMinutes
        self.maxMinutes = maxMinutes
        self.hubStream = hubStream
    }

    enum CodingKeys: String, CodingKey {
        case id
        case title
        case lead
        case minMinutes = "min_minutes"
        case defaultMinutes = "default_minutes"
        case maxMinutes = "max_minutes"
        case hubStream = "hub_stream"
    }

    /// Longest phase any plan may declare (minutes).
    public static let longestMinutes = 240

    /// Checks the spec on its own (ids, minute ranges).
    public func validate() throws(Refusal) {
        guard !id.isEmpty else { throw Refusal(.invalidValue, "phase id must not be empty") }
        guard minMinutes >= 1 else {
            throw Refusal(.invalidValue, "phase \(id): min_minutes must be at least 1, got \(minMinutes)")
        }
        guard minMinutes <= defaultMinutes, defaultMinutes <= maxMinutes else {
            throw Refusal(.invalidValue,
                          "phase \(id): need min_minutes <= default_minutes <= max_minutes, got \(minMinutes)/\(defaultMinutes)/\(maxMinutes)")
        }
        guard maxMinutes <= Self.longestMinutes else {
            throw Refusal(.invalidValue, "phase \(id): max_minutes must be at most \(Self.longestMinutes), got \(maxMinutes)")
        }
    }

    /// Checks a per-lesson duration against this phase's range.
    public func validate(minutes: Int) throws(Refusal) {
        guard minutes >= minMinutes, minutes <= maxMinutes else {
            throw Refusal(.invalidValue,
                          "phase \(id) must last \(minMinutes)–\(maxMinutes) minutes, got \(minutes)")
        }
    }
}

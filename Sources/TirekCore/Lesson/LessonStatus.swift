/// Where a lesson is. "Resumed" is not a state of its own: resuming returns to `running`.
public enum LessonStatus: String, Codable, Sendable, Hashable, CaseIterable {
    case scheduled
    case lobby
    case running
    case paused
    case ended
}

/// The part of the engine's state a transition moves between; what the log records.
public struct LessonPoint: Codable, Sendable, Hashable {
    public var status: LessonStatus
    public var phaseIndex: Int?
    public var phaseID: String?
    /// Effective lead (with fallback), nil outside phases.
    public var lead: Lead?
    public var plannedEnd: Instant?

    public init(status: LessonStatus, phaseIndex: Int? = nil, phaseID: String? = nil,
                lead: Lead? = nil, plannedEnd: Instant? = nil) {
        self.status = status
        self.phaseIndex = phaseIndex
        self.phaseID = phaseID
        self.lead = lead
        self.plannedEnd = plannedEnd
    }

    enum CodingKeys: String, CodingKey {
        case status
        case phaseIndex = "phase_index"
        case phaseID = "phase_id"
        case lead
        case plannedEnd = "planned_end"
    }
}

/// What the I/O layer must do after an event. The engine performs none of it itself.
public enum LessonAction: Sendable, Hashable {
    /// Persist this record (one per transition) and send clients a fresh snapshot.
    case record(TransitionRecord)
    /// Tell the current lead and the incoming lead that a handoff is coming.
    case handoffWarning(HandoffWarning)
    /// Tell every classroom at once: the hub teacher dropped in a hub-led phase.
    /// `graceUntil`: when the lead falls back to local teachers if they are still away
    /// (nil when this lesson has no fallback).
    case hubTeacherAway(since: Instant, graceUntil: Instant?)
    /// The grace period ran out: local teachers lead their classrooms (a `fallback` record
    /// is emitted as well).
    case leadFallback(phaseIndex: Int, at: Instant)
    /// The hub teacher is back; `leadRestored` when the lead had fallen back and returns to
    /// the hub (a `lead_restored` record is emitted as well).
    case hubTeacherBack(at: Instant, leadRestored: Bool)
    /// Tell the hub teacher and the admin view: this classroom has no local teacher while it
    /// should be led locally.
    case classroomFlagged(ClassroomID, since: Instant)
    /// The flag is cleared (teacher back, or the classroom no longer led locally).
    case classroomUnflagged(ClassroomID, at: Instant)
}

/// A warning before a planned handoff. Emitted once per configured offset and planned end
/// (an extension re-arms the warnings the new end moved back into the future).
public struct HandoffWarning: Codable, Sendable, Hashable {
    public var at: Instant
    public var phaseIndex: Int
    public var phaseID: String
    /// Effective lead of the phase that is ending.
    public var lead: Lead
    /// nil when the handoff ends the lesson.
    public var nextPhaseIndex: Int?
    public var nextPhaseID: String?
    public var nextLead: Lead?
    public var handoffAt: Instant
    /// The configured offset this warning is for (e.g. 120000).
    public var before: Millis
    /// Actual time left when emitted (≤ `before`; smaller if the tick came late).
    public var remaining: Millis

    public init(at: Instant, phaseIndex: Int, phaseID: String, lead: Lead, nextPhaseIndex: Int?,
                nextPhaseID: String?, nextLead: Lead?, handoffAt: Instant, before: Millis, remaining: Millis) {
        self.at = at
        self.phaseIndex = phaseIndex
        self.phaseID = phaseID
        self.lead = lead
        self.nextPhaseIndex = nextPhaseIndex
        self.nextPhaseID = nextPhaseID
        self.nextLead = nextLead
        self.handoffAt = handoffAt
        self.before = before
        self.remaining = remaining
    }

    enum CodingKeys: String, CodingKey {
        case at
        case phaseIndex = "phase_index"
        case phaseID = "phase_id"
        case lead
        case nextPhaseIndex = "next_phase_index"
        case nextPhaseID = "next_phase_id"
        case nextLead = "next_lead"
        case handoffAt = "handoff_at"
        case before = "before_ms"
        case remaining = "remaining_ms"
    }
}

/// The result of one event: the actions to perform and, for a command that was not carried
/// out, why. Actions may be present even with a refusal: time advanced to the command's
/// instant first (e.g. a planned handoff happened), and those actions must still be performed.
public struct LessonStep: Sendable, Hashable {
    public var actions: [LessonAction]
    public var refusal: Refusal?

    public init(actions: [LessonAction] = [], refusal: Refusal? = nil) {
        self.actions = actions
        self.refusal = refusal
    }

    /// The transition records among the actions.
    public var records: [TransitionRecord] {
        actions.compactMap { if case .record(let r) = $0 { r } else { nil } }
    }
}

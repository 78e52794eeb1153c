/// Why a transition happened.
public enum TransitionReason: String, Codable, Sendable, Hashable, CaseIterable {
    /// scheduled → lobby at scheduled start − lobby time.
    case lobbyOpened = "lobby_opened"
    /// lobby → phase 1, someone pressed start.
    case started
    /// lobby → phase 1 at scheduled start + auto-start delay.
    case autoStarted = "auto_started"
    /// Phase i → i+1 (or → ended after the last) at its planned end.
    case scheduled
    /// The lead handed over before the planned end.
    case earlyHandover = "early_handover"
    /// Planned end moved later within the phase's maximum.
    case `extension`
    case pause
    case resume
    /// The hub teacher stayed away past the grace period; local teachers lead.
    case fallback
    /// The hub teacher came back during the phase that had fallen back.
    case leadRestored = "lead_restored"
    /// Ended before the plan was done by the hub teacher or an admin.
    case endedEarly = "ended_early"
}

/// One entry of the lesson log: every transition produces exactly one.
public struct TransitionRecord: Codable, Sendable, Hashable {
    /// 1, 2, 3 … within the lesson; equals the snapshot's `seq` right after it.
    public var seq: Int
    public var at: Instant
    public var from: LessonPoint
    public var to: LessonPoint
    /// Who caused it; nil means the system (timer, fallback).
    public var by: ParticipantID?
    public var byRole: Role?
    public var why: TransitionReason
    /// Minutes added, for `extension`.
    public var minutes: Int?

    public init(seq: Int, at: Instant, from: LessonPoint, to: LessonPoint, by: ParticipantID?,
                byRole: Role?, why: TransitionReason, minutes: Int? = nil) {
        self.seq = seq
        self.at = at
        self.from = from
        self.to = to
        self.by = by
        self.byRole = byRole
        self.why = why
        self.minutes = minutes
    }

    /// The participant id, or "system".
    public var who: String { by?.rawValue ?? "system" }

    enum CodingKeys: String, CodingKey {
        case seq
        case at
        case from
        case to
        case by
        case byRole = "by_role"
        case why
        case minutes
    }
}

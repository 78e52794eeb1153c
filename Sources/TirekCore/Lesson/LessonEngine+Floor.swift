/// Floor rules derived from the state; the server asks these after each event.
extension LessonEngine {
    /// Who leads now: the phase's lead, or `.local` after a fallback. nil outside phases
    /// (scheduled, lobby, ended). A paused phase keeps its lead.
    public var effectiveLead: Lead? {
        guard inPhase, let spec = currentSpec else { return nil }
        return spec.lead == .hub && fallbackActive ? .local : spec.lead
    }

    /// Whether this participant leads now: the hub teacher while the lead is hub; a local
    /// teacher (of their own classroom) while the lead is local.
    public func isLeading(_ participant: Participant) -> Bool {
        switch (participant.role, effectiveLead) {
        case (.hubTeacher, .hub): true
        case (.localTeacher, .local): participant.classroomID != nil
        default: false
        }
    }

    /// Where a classroom's hand-raises, questions and chat go now: `.hub` (the hub teacher's
    /// queue) or `.local` (the classroom's own local teacher). nil outside phases.
    public func floorHolder(for classroom: ClassroomID) -> Lead? { effectiveLead }

    /// Classroom microphones are muted by default (unless granted elsewhere) while the hub
    /// leads a running or paused phase.
    public func isMutedByDefault(_ classroom: ClassroomID) -> Bool { classroomsMutedByDefault }

    public var classroomsMutedByDefault: Bool { effectiveLead == .hub }

    /// The hub stream now: the phase's mode while running; paused during a break and after
    /// the end; background in the lobby and before.
    public var hubStream: StreamMode {
        switch status {
        case .running: currentSpec?.hubStream ?? .paused
        case .paused, .ended: .paused
        case .scheduled, .lobby: .background
        }
    }
}

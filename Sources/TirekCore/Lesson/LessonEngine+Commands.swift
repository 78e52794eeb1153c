/// Who may send which command, in which state. Checked in this order, the first failure wins:
/// 1. role may never send it → `forbidden`
/// 2. the state does not fit → `invalid_state`
/// 3. `expected_phase` / `expected_seq` are not current → `stale_command`
/// 4. the role may not send it now (a local teacher while the hub leads) → `forbidden`
/// 5. a value is out of range (extend) → `invalid_value`
extension LessonEngine {
    /// Roles that may ever send a command.
    public static func rolesAllowed(_ kind: LessonCommand.Kind) -> Set<Role> {
        switch kind {
        case .start, .handOver, .extend: [.hubTeacher, .localTeacher, .admin]
        case .pause, .resume, .end: [.hubTeacher, .admin]
        }
    }

    /// States in which a command fits.
    public static func statesAllowed(_ kind: LessonCommand.Kind) -> Set<LessonStatus> {
        switch kind {
        case .start: [.lobby]
        case .handOver, .extend, .pause: [.running]
        case .resume: [.paused]
        case .end: [.scheduled, .lobby, .running, .paused]
        }
    }

    /// Throws the refusal the command would get; nil error means it would be carried out.
    public func check(_ command: LessonCommand) throws(Refusal) {
        let kind = command.kind
        let role = command.from.role
        guard Self.rolesAllowed(kind).contains(role) else {
            throw Refusal(.forbidden, "\(role.rawValue) may not send \(kind.name)")
        }
        guard Self.statesAllowed(kind).contains(status) else {
            throw Refusal(.invalidState, stateMessage(kind))
        }
        if kind != .start, let expected = command.expectedPhase, expected != phaseIndex {
            throw Refusal(.staleCommand,
                          "\(kind.name) was for phase \(expected), the current phase is \(phaseIndex.map(String.init) ?? "none")")
        }
        if let expected = command.expectedSeq, expected != seq {
            throw Refusal(.staleCommand, "\(kind.name) was sent at seq \(expected), the lesson is at seq \(seq)")
        }
        if role == .localTeacher {
            switch kind {
            case .start:
                guard config.plan.phases[0].lead == .local else {
                    throw Refusal(.forbidden, "local_teacher may not start a lesson whose first phase the hub teacher leads")
                }
            case .handOver, .extend:
                guard effectiveLead == .local else {
                    throw Refusal(.forbidden, "local_teacher may not send \(kind.name) while the hub teacher leads")
                }
            default:
                break
            }
        }
        if case .extend(let minutes) = kind, let spec = currentSpec {
            guard minutes >= 1 else {
                throw Refusal(.invalidValue, "extend needs at least 1 minute, got \(minutes)")
            }
            let room = Millis.minutes(Int64(spec.maxMinutes)) - phaseLength
            guard minutes <= spec.maxMinutes, Millis.minutes(Int64(minutes)) <= room else {
                throw Refusal(.invalidValue,
                              "phase \(spec.id) may last at most \(spec.maxMinutes) minutes; \(room.value / 60_000) more minute(s) allowed, asked for \(minutes)")
            }
        }
    }

    private func stateMessage(_ kind: LessonCommand.Kind) -> String {
        switch (kind, status) {
        case (.start, .scheduled): "the lobby is not open yet"
        case (.start, _): "the lesson has already started"
        case (_, .ended): "the lesson has ended"
        case (.resume, _): "the lesson is not paused"
        case (_, .paused): "the lesson is paused"
        default: "\(kind.name) does not fit a lesson that is \(status.rawValue)"
        }
    }

    /// Carries out a command that passed `check`.
    mutating func perform(_ command: LessonCommand, into out: inout [LessonAction]) {
        let by = command.from
        switch command.kind {
        case .start:
            enterPhase(0, why: .started, by: by, into: &out)
        case .handOver:
            enterPhase((phaseIndex ?? 0) + 1, why: .earlyHandover, by: by, into: &out)
        case .extend(let minutes):
            let from = point
            let added = Millis.minutes(Int64(minutes))
            phaseLength += added
            let end = (plannedEnd ?? now) + added
            plannedEnd = end
            // re-arm the warnings the new end moved back into the future
            firedWarnings = firedWarnings.filter { end - $0 <= now }
            record(from: from, why: .extension, by: by, minutes: minutes, into: &out)
        case .pause:
            let from = point
            status = .paused
            pausedAt = now
            record(from: from, why: .pause, by: by, into: &out)
        case .resume:
            let from = point
            let shift = now - (pausedAt ?? now)
            plannedEnd = plannedEnd.map { $0 + shift }
            phasePausedTotal += shift
            lessonPausedTotal += shift
            pausedAt = nil
            status = .running
            record(from: from, why: .resume, by: by, into: &out)
        case .end:
            let from = point
            finish()
            record(from: from, why: .endedEarly, by: by, into: &out)
            reconcilePresence(by: nil, into: &out)
        }
    }
}

/// Teacher drops. The engine counts connections per participant (one connected event per
/// connection), then reconciles what the presence means for the current phase:
/// - hub-led phase (running or paused) without any hub-teacher connection → hub away
///   (`hubTeacherAway` at once; after the grace period, fallback to local leads);
/// - effective lead local without a local teacher in a known classroom → classroom flagged.
extension LessonEngine {
    public var hubTeacherPresent: Bool { !hubConnections.isEmpty }

    public func localTeacherPresent(in classroom: ClassroomID) -> Bool {
        !(localConnections[classroom] ?? [:]).isEmpty
    }

    mutating func connect(_ p: Participant, into out: inout [LessonAction]) {
        switch p.role {
        case .hubTeacher:
            hubConnections[p.id, default: 0] += 1
        case .localTeacher:
            if let c = p.classroomID {
                knownClassrooms.insert(c)
                localConnections[c, default: [:]][p.id, default: 0] += 1
            }
        case .classroom, .student:
            if let c = p.classroomID { knownClassrooms.insert(c) }
        default:
            break
        }
        reconcilePresence(by: p, into: &out)
    }

    mutating func disconnect(_ p: Participant, into out: inout [LessonAction]) {
        switch p.role {
        case .hubTeacher:
            Self.decrement(&hubConnections, p.id)
        case .localTeacher:
            if let c = p.classroomID {
                var conns = localConnections[c] ?? [:]
                Self.decrement(&conns, p.id)
                localConnections[c] = conns.isEmpty ? nil : conns
            }
        default:
            break
        }
        reconcilePresence(by: p, into: &out)
    }

    private static func decrement(_ counts: inout [ParticipantID: Int], _ id: ParticipantID) {
        guard let n = counts[id] else { return }
        counts[id] = n > 1 ? n - 1 : nil
    }

    /// Brings hub-away, fallback and flags in line with presence and the current phase.
    mutating func reconcilePresence(by: Participant?, into out: inout [LessonAction]) {
        let wantAway = inPhase && currentSpec?.lead == .hub && !hubTeacherPresent
        if wantAway, hubAwaySince == nil {
            hubAwaySince = now
            out.append(.hubTeacherAway(since: now, graceUntil: graceDeadline))
        } else if !wantAway, hubAwaySince != nil {
            hubAwaySince = nil
            if fallbackActive {
                let from = point
                fallbackActive = false
                record(from: from, why: .leadRestored, by: by, into: &out)
                out.append(.hubTeacherBack(at: now, leadRestored: true))
            } else {
                out.append(.hubTeacherBack(at: now, leadRestored: false))
            }
        }

        let want: Set<ClassroomID> = inPhase && effectiveLead == .local
            ? knownClassrooms.filter { !localTeacherPresent(in: $0) }
            : []
        for c in flagged.keys.sorted() where !want.contains(c) {
            flagged[c] = nil
            out.append(.classroomUnflagged(c, at: now))
        }
        for c in want.sorted() where flagged[c] == nil {
            flagged[c] = now
            out.append(.classroomFlagged(c, since: now))
        }
    }
}

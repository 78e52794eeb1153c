import Foundation
import TirekAttendance
import TirekCore
import TirekStore

/// How the attendance ledger is read out of a lesson's log. The ledger has no log entries of
/// its own for what the room already logs: connections come from `presence.joined` /
/// `presence.left`, the lesson's start, phases, breaks and end from `lesson.transition`. Only
/// what nothing else records has its own kinds: keep-alives, roll-call marks, and the closes
/// synthesized after a crash. The same mapping feeds the live room (entry by entry, right
/// after each append) and rebuilds a ledger from a stored log, so the two always agree.
public enum AttendanceLog {
    /// Body `{"connections":[<connection id>, …]}`: these connections were alive at `at`.
    public static let heartbeat = "attendance.heartbeat"
    /// Body: a `roll_call` attendance event; `actor` is the teacher (or screen) who marked.
    public static let rollCall = "attendance.rollcall"
    /// Body: a `connection_closed` attendance event with cause `crash_recovery`, written at a
    /// restart for a connection that was open when the server died, closed at its last heartbeat.
    public static let recovered = "attendance.recovered"

    struct HeartbeatBody: Codable {
        var connections: [UInt64]
    }

    /// The connection id the ledger knows a live connection by.
    static func connectionID(_ id: UInt64) -> ConnectionID { ConnectionID(String(id)) }

    /// The attendance events one log entry stands for (none for kinds attendance ignores, or a
    /// body that does not decode). `classrooms` resolves a participant's classroom for presence
    /// entries written before they carried one.
    public static func events(from entry: StoredEvent, classrooms: [ParticipantID: ClassroomID] = [:]) -> [AttendanceEvent] {
        let decoder = JSONDecoder()
        switch entry.kind {
        case PresenceLog.joined:
            guard let actor = entry.actor, let body = try? decoder.decode(PresenceLog.self, from: entry.body) else { return [] }
            return [.connectionOpened(connection: connectionID(body.connection), participant: actor, role: body.role,
                                      classroom: body.classroom ?? classrooms[actor], at: entry.at)]
        case PresenceLog.left:
            guard let body = try? decoder.decode(PresenceLog.self, from: entry.body) else { return [] }
            return [.connectionClosed(connection: connectionID(body.connection),
                                      cause: body.change == "left_at_restart" ? .crashRecovery : .closed, at: entry.at)]
        case LessonLog.transition:
            guard let record = try? decoder.decode(TransitionRecord.self, from: entry.body) else { return [] }
            return lifecycle(record)
        case heartbeat:
            guard let body = try? decoder.decode(HeartbeatBody.self, from: entry.body) else { return [] }
            return body.connections.map { .heartbeat(connection: connectionID($0), at: entry.at) }
        case rollCall, recovered:
            guard let event = try? decoder.decode(AttendanceEvent.self, from: entry.body) else { return [] }
            return [event]
        default:
            return []
        }
    }

    /// The lesson-lifecycle events of one transition record. Transitions that stay in the same
    /// phase (extension, fallback, lead restored) mean nothing to attendance.
    static func lifecycle(_ record: TransitionRecord) -> [AttendanceEvent] {
        let (from, to, at) = (record.from, record.to, record.at)
        func phase() -> AttendanceEvent {
            .phaseStarted(phase: to.phaseID ?? "phase\(to.phaseIndex ?? 0)", at: at)
        }
        switch (from.status, to.status) {
        case (.scheduled, .running), (.lobby, .running):
            return [.lessonStarted(at: at), phase()]
        case (.running, .running):
            return from.phaseIndex != to.phaseIndex ? [phase()] : []
        case (.running, .paused):
            return [.lessonPaused(at: at)]
        case (.paused, .running):
            return from.phaseIndex != to.phaseIndex ? [.lessonResumed(at: at), phase()] : [.lessonResumed(at: at)]
        case (.running, .ended), (.paused, .ended):
            return [.lessonEnded(at: at)]
        default:
            return []
        }
    }

    /// Every participant's classroom on a roster (fallback for old presence entries).
    static func classrooms(of roster: LessonRoster) -> [ParticipantID: ClassroomID] {
        var map: [ParticipantID: ClassroomID] = [:]
        for participant in roster.participants { if let c = participant.classroomID { map[participant.id] = c } }
        return map
    }

    /// Rebuilds a lesson's ledger from its whole log.
    public static func ledger(store: any TirekStore, lesson: LessonID, roster: LessonRoster?,
                              policy: AttendancePolicy = .standard) async throws -> AttendanceLedger {
        let classrooms = roster.map(classrooms(of:)) ?? [:]
        var ledger = AttendanceLedger(policy: policy)
        var after: Int64 = 0
        while true {
            let page = try await store.events(lesson: lesson, after: after, limit: 1000)
            guard let last = page.last else { break }
            for entry in page {
                for event in events(from: entry, classrooms: classrooms) { _ = ledger.apply(event) }
            }
            after = last.seq
        }
        return ledger
    }
}

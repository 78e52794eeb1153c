import Foundation
import NIOCore
import TirekAttendance
import TirekCore
import TirekProtocol
import TirekStore

/// The room's attendance state: the ledger (fed only from appended log entries) and when each
/// open connection was last written down as alive.
struct RoomAttendance: Sendable {
    var ledger = AttendanceLedger()
    /// Per open connection: its open instant or its newest persisted heartbeat.
    var lastAlive: [ConnectionID: Instant] = [:]
    /// The periodic keep-alive writer (one per room).
    var heartbeats: Task<Void, Never>?
    /// At most a few `attendance.live` broadcasts a second (see `attendanceLiveChanged`), and the
    /// lesson instant of the newest change not yet shown.
    var liveThrottle = BroadcastThrottle<Bool>(interval: .milliseconds(250))
    var livePendingAt: Instant?
}

/// Attendance in the live room. Nothing here decides on its own: every fact reaches the ledger
/// through `ingestAttendance`, which is only ever called with entries already appended to the
/// lesson log (or replayed from it), through the same mapping reports use (`AttendanceLog`).
extension LessonRoom {
    // MARK: Feeding the ledger

    /// Applies log entries (just appended, or replayed at restore) to the ledger, and tells the
    /// teachers when who-is-here changed.
    func ingestAttendance(_ entries: some Sequence<StoredEvent>) {
        var changed = false
        let classrooms = memberClassrooms
        for entry in entries {
            for event in AttendanceLog.events(from: entry, classrooms: classrooms) {
                let actions = attendance.ledger.apply(event)
                if actions.contains(where: { $0.refusal != nil }) { continue }
                switch event {
                case .connectionOpened(let connection, _, _, _, let at), .heartbeat(let connection, let at):
                    attendance.lastAlive[connection] = max(at, attendance.lastAlive[connection] ?? at)
                case .connectionClosed(let connection, _, _):
                    attendance.lastAlive[connection] = nil
                default:
                    break
                }
                if case .heartbeat = event { continue }
                changed = true
            }
        }
        if changed { attendanceLiveChanged(at: clock.now()) }
    }

    /// Appends attendance entries and applies them once stored.
    private func appendAttendance(_ entries: [StoredEvent]) async throws {
        guard !entries.isEmpty else { return }
        let stored = try await store.append(entries)
        lastSeq = stored.last?.seq ?? lastSeq
        ingestAttendance(stored)
    }

    // MARK: Crash recovery

    /// At restore, after the log was replayed: connections the log still holds open died with the
    /// previous server. Each is closed at the last instant it was known alive (its newest
    /// heartbeat), and those closes are persisted before they count. The participants' time
    /// continues when their clients reconnect (new connections).
    func recoverAttendance(at now: Instant) async throws {
        var copy = attendance.ledger
        let closes = copy.recoverAfterCrash(at: now)
        let entries = try closes.map { event -> StoredEvent in
            StoredEvent(lessonID: lessonID, at: event.at, kind: AttendanceLog.recovered, actor: nil,
                        body: try JSONEncoder.sorted.encode(event))
        }
        try await appendAttendance(entries)
    }

    // MARK: Keep-alives

    /// Starts the periodic keep-alive writer: every `attendanceHeartbeat` of lesson time, every
    /// connection still open gets a heartbeat. A connection is still open only while it answers
    /// the WebSocket pings, so this is at most two ping intervals optimistic.
    func startAttendanceHeartbeats() {
        attendance.heartbeats?.cancel()
        let interval = settings.attendanceHeartbeat
        attendance.heartbeats = Task { [clock, weak self] in
            while !Task.isCancelled {
                do {
                    try await clock.sleep(until: clock.now() + interval)
                } catch {
                    return
                }
                guard let self else { return }
                await self.writeHeartbeats(only: nil)
            }
        }
    }

    /// A connection showed it is alive (an application `ping`): writes its heartbeat if the last
    /// one is at least `attendanceHeartbeat` old, so a chatty client costs at most one row per interval.
    func attendanceHeartbeat(_ connection: LiveConnection) async {
        await writeHeartbeats(only: connection.id)
    }

    /// Writes one heartbeat entry for the open connections (or just `only`) whose last persisted
    /// alive instant is at least an interval old.
    private func writeHeartbeats(only: UInt64?) async {
        let now = clock.now()
        let interval = settings.attendanceHeartbeat
        let due = connections.keys.filter { id in
            guard only == nil || only == id else { return false }
            guard let last = attendance.lastAlive[AttendanceLog.connectionID(id)] else { return false }
            return now - last >= interval || (only == nil && last < now)
        }.sorted()
        guard !due.isEmpty else { return }
        do {
            let body = try JSONEncoder.sorted.encode(AttendanceLog.HeartbeatBody(connections: due))
            let actor = due.count == 1 ? connections[due[0]]?.participant.id : nil
            try await appendAttendance([StoredEvent(lessonID: lessonID, at: now, kind: AttendanceLog.heartbeat,
                                                    actor: actor, body: body)])
        } catch {
            logger.warning("could not log attendance heartbeats", metadata: ["lesson": "\(lessonID)", "error": "\(error)"])
        }
    }

    // MARK: Roll call

    /// `rollcall.mark`: checked, persisted, then counted and shown to the teachers.
    func rollCall(_ request: RollCallMarkRequest, frame: ClientFrame, from connection: LiveConnection) async {
        let sender = connection.participant
        guard sender.role == .localTeacher || sender.role == .classroom, let classroom = sender.classroomID else {
            reply(error: ProtocolError(.forbidden, "only a classroom's local teacher or its screen marks the roll call",
                                       requestID: frame.id), to: connection)
            return
        }
        let studentID = ParticipantID(request.studentID)
        do {
            if !roster.students.contains(where: { $0.id == studentID }) { _ = try await member(studentID) }
        } catch {
            logger.warning("roster reload failed", metadata: ["error": "\(error)"])
        }
        guard let student = roster.students.first(where: { $0.id == studentID }) else {
            reply(error: ProtocolError(.notFound, "\(studentID) is not a student of this lesson", requestID: frame.id), to: connection)
            return
        }
        guard student.classroomID == classroom else {
            reply(error: ProtocolError(.forbidden, "\(studentID) is not a student of classroom \(classroom)", requestID: frame.id),
                  to: connection)
            return
        }
        let now = clock.now()
        if let from = request.effectiveFrom, from > now.millis {
            reply(error: ProtocolError(.invalidValue, "effective_from is in the future", requestID: frame.id), to: connection)
            return
        }
        let reason = request.reason.flatMap { AbsenceReason(code: $0.code.rawValue, text: $0.text) }
        let mark = RollCallMark(student: studentID, classroom: classroom,
                                status: request.status == .present ? .present : .absent, reason: reason,
                                markedBy: sender.id, effectiveFrom: request.effectiveFrom.map(Instant.init(millis:)), at: now)
        var probe = attendance.ledger
        if let refusal = probe.apply(.rollCall(mark)).compactMap(\.refusal).first {
            reply(error: ProtocolError(refusal, requestID: frame.id), to: connection)
            return
        }
        do {
            try await appendAttendance([StoredEvent(lessonID: lessonID, at: now, kind: AttendanceLog.rollCall, actor: sender.id,
                                                    body: try JSONEncoder.sorted.encode(AttendanceEvent.rollCall(mark)))])
            ack(frame, to: connection)
        } catch {
            logger.error("could not persist a roll-call mark", metadata: ["error": "\(error)"])
            reply(error: ProtocolError(.internalError, "the mark could not be saved; nothing changed", requestID: frame.id),
                  to: connection)
        }
    }

    // MARK: The live view

    /// The ledger as of now (reports on a live lesson).
    func attendanceLedger() -> AttendanceLedger { attendance.ledger }

    /// The lesson's attendance report as of now.
    func attendanceReport() -> AttendanceReport {
        attendance.ledger.report(roster: AttendanceRoster(roster), at: clock.now())
    }

    static func seesAttendance(_ role: Role) -> Bool {
        switch role {
        case .hubTeacher, .localTeacher, .classroom, .admin, .observer: true
        case .student, .assistant: false
        }
    }

    /// The live view for one viewer: everything for the hub teacher, admins and observers; their
    /// own classroom (and the teachers) for a local teacher or a classroom screen.
    func attendanceLive(for viewer: Participant, now: Instant) -> AttendanceLiveMessage {
        Self.attendanceLive(attendanceLiveEveryone(now: now), for: viewer)
    }

    /// The whole live view (every row), computed once per broadcast: figures cost O(students)
    /// each time, and each local teacher's view is only a filter of it.
    private func attendanceLiveEveryone(now: Instant) -> AttendanceLiveMessage {
        let ledger = attendance.ledger
        let people = members
        let live = ledger.liveView(at: now).participants
        let online = ledger.onlineMillis(of: live.map(\.participant), at: now)
        let entries = live.map { live -> AttendanceLiveMessage.Entry in
            let participant = people[live.participant]
                ?? Participant(id: live.participant, role: live.role, displayName: live.participant.rawValue,
                               classroomID: live.classroom)
            return AttendanceLiveMessage.Entry(
                participant: participant, connected: live.connected, openConnections: live.openConnections,
                connectedSince: live.connectedSince, lastLeft: live.lastLeft, drops: live.drops,
                onlineMs: online[live.participant]?.value ?? 0)
        }
        let marks = ledger.markedStudents.compactMap { id -> AttendanceLiveMessage.Mark? in
            let figures = ledger.studentFigures(for: id, at: now)
            guard let status = figures.rollCall else { return nil }
            return AttendanceLiveMessage.Mark(
                studentID: id, classroomID: figures.classroom, status: status.rawValue,
                reason: figures.reason.map { .init(code: $0.code, text: $0.text) }, onlineMs: figures.onlineMs.value)
        }
        return AttendanceLiveMessage(at: now, lessonState: ledger.lessonState.rawValue, participants: entries, rollCall: marks)
    }

    /// What `viewer` may see of the whole view: everything for the hub teacher and supervisors;
    /// for a classroom, those presence visibility shows it and its own classroom's roll call.
    private static func attendanceLive(_ everyone: AttendanceLiveMessage, for viewer: Participant) -> AttendanceLiveMessage {
        guard !seesEveryone(viewer) else { return everyone }
        var view = everyone
        view.participants = everyone.participants.filter { PresenceVisibility.canSee(viewer: viewer, subject: $0.participant) }
        view.rollCall = everyone.rollCall.filter { $0.classroomID != nil && $0.classroomID == viewer.classroomID }
        return view
    }

    private static func seesEveryone(_ viewer: Participant) -> Bool {
        viewer.role == .hubTeacher || viewer.role == .admin || viewer.role == .observer
    }

    /// Sends the live view to one connection (right after its `welcome`), if its role sees it.
    func sendAttendanceLive(to connection: LiveConnection, now: Instant) {
        guard Self.seesAttendance(connection.participant.role) else { return }
        send(encoder.encode(attendanceLive(for: connection.participant, now: now)), to: connection)
    }

    /// At most one `attendance.live` broadcast per interval: the first change is shown at once,
    /// later ones within the interval in one trailing broadcast as of the newest change. A
    /// reconnect storm of n students then costs a few broadcasts a second, not n views of n rows.
    /// The interval grows with the view (2 ms a row, 250 ms to 2 s): the hub teacher's view of a
    /// thousand students is a large message, and a teacher reads it once a second at most.
    static func liveInterval(rows: Int) -> Duration {
        .milliseconds(min(2000, max(250, rows * 2)))
    }

    func attendanceLiveChanged(at now: Instant) {
        attendance.liveThrottle.interval = Self.liveInterval(rows: attendance.ledger.liveRowCount)
        switch attendance.liveThrottle.changed(true, now: .now) {
        case .now:
            broadcastAttendanceLive(now: now)
        case .alreadyScheduled:
            attendance.livePendingAt = now
        case .later(let when):
            attendance.livePendingAt = now
            Task { [weak self] in
                try? await Task.sleep(until: when)
                await self?.flushAttendanceLive()
            }
        }
    }

    private func flushAttendanceLive() {
        guard attendance.liveThrottle.flush(true, now: .now), let at = attendance.livePendingAt else { return }
        attendance.livePendingAt = nil
        broadcastAttendanceLive(now: at)
    }

    /// Sends the live view to every connection whose role sees it; encoded once per distinct view.
    func broadcastAttendanceLive(now: Instant) {
        var encoded: [String: ByteBuffer] = [:]
        var everyone: AttendanceLiveMessage?
        for connection in connections.values where Self.seesAttendance(connection.participant.role) {
            let viewer = connection.participant
            let key = Self.seesEveryone(viewer) ? "*" : "c:" + (viewer.classroomID?.rawValue ?? "")
            let buffer: ByteBuffer
            if let cached = encoded[key] {
                buffer = cached
            } else {
                let whole = everyone ?? attendanceLiveEveryone(now: now)
                everyone = whole
                buffer = encoder.encode(Self.attendanceLive(whole, for: viewer))
                encoded[key] = buffer
            }
            send(buffer, to: connection)
        }
    }
}

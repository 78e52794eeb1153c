import Foundation
import Logging
import NIOCore
import TirekCore
import TirekProtocol
import TirekStore

/// Timing policy of live lessons, from the server configuration.
struct RoomSettings: Sendable {
    var heartbeat: Duration = .seconds(15)
    var lobby: Millis = .minutes(10)
    var hubDropGrace: Millis = .seconds(60)
    /// How often an open connection's keep-alive is written to the log for attendance.
    var attendanceHeartbeat: Millis = .seconds(30)
    /// Where lesson recordings go; nil: lessons are not recorded.
    var recordingsDirectory: String?
    /// The camera's low-bandwidth rendition; nil: none is made.
    var lowRendition: LowRenditionSettings? = LowRenditionSettings()
    /// How long a media frame may wait so that the frames after it share its write.
    var mediaWriteMerge: Millis = .zero
}

/// One live lesson: its connections, presence, the phase engine, and the rules that decide who
/// receives what. Control messages are handled one at a time by this actor; media bypasses it
/// through `fanout`. Every accepted change is appended to the lesson log before anyone is told.
actor LessonRoom {
    nonisolated let lessonID: LessonID
    private(set) var roster: LessonRoster
    /// Everyone on the roster by id (rebuilt when the roster is reloaded).
    private(set) var members: [ParticipantID: Participant] {
        didSet { memberClassrooms = members.compactMapValues(\.classroomID) }
    }
    /// The classroom of each member who has one (attendance counts screens and students by it).
    private(set) var memberClassrooms: [ParticipantID: ClassroomID]
    let fanout: MediaFanout
    let store: any TirekStore
    let clock: any ServerClock
    let metrics: ServerMetrics
    let logger: Logger
    let settings: RoomSettings
    let encoder = ServerEncoder()

    private(set) var engine: LessonEngine
    /// Engine changes take turns: a change is computed on a copy, persisted, then adopted.
    private var engineTurns = TurnGate()
    private var timer: Task<Void, Never>?
    /// A tick is running (see `scheduleTimer`).
    private var ticking = false
    /// Set at shutdown and when the room is retired: no timer is scheduled again.
    private var timersStopped = false
    private(set) var connections: [UInt64: LiveConnection] = [:]
    /// Set when the registry lets go of this room (see `retireIfIdle`); joins are refused after.
    private(set) var retired = false
    /// Joins and leaves whose log write has not finished. A leave removes its connection before
    /// the write: without this count, a sweep could unload the room in between, and a report built
    /// from the store then would take that connection for one left open by a crash.
    private(set) var presenceWrites = 0
    /// Open connections per participant, and since when the participant has been online.
    private var online: [ParticipantID: (connections: Set<UInt64>, since: Instant)] = [:]
    /// Participants who were online at some point in this lesson (a return is a "reconnected").
    private var seen: Set<ParticipantID> = []
    /// The lesson log position of the last append (set by `apply` and by the interaction layer).
    var lastSeq: Int64 = 0
    /// Hand-raise queues, chat, polls and screen shares (LessonRoom+Interaction.swift).
    var interaction = InteractionState()
    /// The attendance ledger fed from this lesson's log, and its keep-alive bookkeeping
    /// (LessonRoom+Attendance.swift).
    var attendance = RoomAttendance()

    init(roster: LessonRoster, store: any TirekStore, clock: any ServerClock, metrics: ServerMetrics,
         logger: Logger, settings: RoomSettings) throws(Refusal) {
        self.roster = roster
        lessonID = roster.lesson.id
        members = Dictionary(roster.participants.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        memberClassrooms = members.compactMapValues(\.classroomID)
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.settings = settings
        engine = LessonEngine(config: try LessonConfig(record: roster.lesson, lobbyOpensBefore: settings.lobby,
                                                       hubDropGrace: settings.hubDropGrace))
        fanout = MediaFanout(metrics: metrics, recorder: settings.recordingsDirectory.map {
            LessonRecorder(root: $0, lessonID: roster.lesson.id, logger: logger)
        }, rendition: settings.lowRendition ?? LowRenditionSettings(),
                             writeMerge: .milliseconds(settings.mediaWriteMerge.value), logger: logger)
        for track in [MediaTrack.audio, .camera, .screen] {
            fanout.setPublisher(roster.hubTeacher.id, for: track)
        }
        metrics.roomsInMemory.increment()
    }

    deinit { metrics.roomsInMemory.decrement() }

    /// Rebuilds the lesson from its log after a restart: the phase engine is replayed, and
    /// connections that were open when the server stopped are closed now (their clients reconnect).
    func restore() async throws {
        var after: Int64 = 0
        var events: [LessonEvent] = []
        var open: [UInt64: ParticipantID] = [:]
        let decoder = JSONDecoder()
        while true {
            let page = try await store.events(lesson: lessonID, after: after, limit: 1000)
            guard let last = page.last else { break }
            ingestAttendance(page)
            for event in page {
                switch event.kind {
                case LessonLog.engineEvent:
                    events.append(try decoder.decode(LessonEvent.self, from: event.body))
                case PresenceLog.joined:
                    if let actor = event.actor {
                        seen.insert(actor)
                        open[try decoder.decode(PresenceLog.self, from: event.body).connection] = actor
                    }
                case PresenceLog.left:
                    open[try decoder.decode(PresenceLog.self, from: event.body).connection] = nil
                default:
                    break
                }
            }
            after = last.seq
        }
        lastSeq = after
        engine = LessonEngine.replay(config: engine.config, events: events)
        let now = clock.now()
        try await recoverAttendance(at: now)
        for (connection, participantID) in open.sorted(by: { $0.key < $1.key }) {
            guard let participant = members[participantID] else { continue }
            _ = try await apply(.participantDisconnected(participant, at: now), extra: [
                (PresenceLog.left, participantID, try JSONEncoder.sorted.encode(
                    PresenceLog(connection: connection, role: participant.role, change: "left_at_restart"))),
            ])
        }
        _ = try await apply(.tick(at: now))
        startAttendanceHeartbeats()
        try await restoreInteraction()
        if engine.status == .ended { fanout.recorder?.stop() }
    }

    var connectionCount: Int { connections.count }

    /// The roster entry of a participant. Someone not found triggers one reload of the roster from
    /// the store, so students or guests added after the lesson went live can join.
    func member(_ id: ParticipantID) async throws -> Participant? {
        if let p = members[id] { return p }
        guard let fresh = try await store.roster(for: lessonID) else { return nil }
        roster = fresh
        members = Dictionary(fresh.participants.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return members[id]
    }

    // MARK: Joining and leaving

    /// Registers a connection: logs presence, sends `welcome`, tells those who may see it.
    func join(_ connection: LiveConnection) async throws {
        guard !retired else { throw Retired(lesson: lessonID) }
        presenceWrites += 1
        defer { presenceWrites -= 1 }
        let now = clock.now()
        let participant = connection.participant
        let change: PresenceEvent.Change = online[participant.id] == nil && seen.contains(participant.id) ? .reconnected : .joined
        let presence = try JSONEncoder.sorted.encode(PresenceLog(connection: connection.id, role: participant.role, change: change.rawValue,
                                                                         classroom: participant.classroomID))
        let step = try await apply(.participantConnected(participant, at: now), extra: [(PresenceLog.joined, participant.id, presence)])
        connections[connection.id] = connection
        seen.insert(participant.id)
        let firstConnection = online[participant.id] == nil
        if var entry = online[participant.id] {
            entry.connections.insert(connection.id)
            online[participant.id] = entry
        } else {
            online[participant.id] = ([connection.id], now)
        }
        metrics.connections.increment()
        let welcome = Welcome(serverTime: now, you: participant, connectionID: connection.id,
                              lesson: LessonSummary(roster: roster), online: onlineList(for: participant),
                              lessonState: engine.snapshot(at: now), lastSeq: lastSeq,
                              heartbeatMs: settings.heartbeat.components.seconds * 1000)
        send(encoder.encode(welcome), to: connection)
        sendAttendanceLive(to: connection, now: now)
        sendInteractionSnapshot(to: connection)
        broadcastPresence(PresenceEvent(change: change, participant: participant, at: now,
                                        connections: online[participant.id]?.connections.count ?? 1),
                          except: connection.id)
        perform(step, now: now, except: connection.id)
        fanout.subscribe(connection, now: DispatchTime.now().uptimeNanoseconds)
        if firstConnection { await interactionPresence(of: participant, online: true) }
    }

    /// Unregisters a connection; the participant has left when their last connection closes.
    func leave(_ connection: LiveConnection) async {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        presenceWrites += 1
        defer { presenceWrites -= 1 }
        fanout.unsubscribe(connection)
        metrics.connections.decrement()
        // The leave counts from when the socket ended: in a storm the room may get to it seconds later.
        let now = min(connection.closedAt ?? clock.now(), clock.now())
        let participant = connection.participant
        var remaining = 0
        if var entry = online[participant.id] {
            entry.connections.remove(connection.id)
            remaining = entry.connections.count
            online[participant.id] = remaining == 0 ? nil : entry
        }
        if remaining == 0 {
            broadcastPresence(PresenceEvent(change: .left, participant: participant, at: now, connections: 0), except: nil)
        }
        do {
            let presence = try JSONEncoder.sorted.encode(PresenceLog(connection: connection.id, role: participant.role, change: "left"))
            let step = try await apply(.participantDisconnected(participant, at: now), extra: [(PresenceLog.left, participant.id, presence)])
            perform(step, now: now)
        } catch {
            logger.error("could not log a leave", metadata: ["lesson": "\(lessonID)", "error": "\(error)"])
        }
        if remaining == 0 { await interactionPresence(of: participant, online: false) }
    }

    // MARK: Messages

    func handle(_ frame: ClientFrame, from connection: LiveConnection) async {
        let participant = connection.participant
        if participant.role.isReadOnly, !Self.readOnlyAllowed(frame.message) {
            reply(error: ProtocolError(.forbidden, "observers watch read-only and cannot send \(frame.message.type)",
                                       requestID: frame.id), to: connection)
            return
        }
        let nanos = DispatchTime.now().uptimeNanoseconds
        switch frame.message {
        case .ping(let ping):
            await attendanceHeartbeat(connection)
            send(encoder.encode(Pong(t: ping.t, serverTime: clock.now()), id: frame.id), to: connection)
        case .mediaPreferences(let prefs):
            if prefs.lowBandwidth, !prefs.audioOnly, settings.lowRendition == nil {
                send(encoder.encode(ErrorReply(code: .invalidState,
                                               message: "this server makes no low-bandwidth rendition (--low-rendition off); ask for audio_only instead"),
                                    id: frame.id), to: connection)
                return
            }
            connection.mediaPreferences = prefs
            let track: MediaTrack? = prefs.audioOnly ? nil : prefs.lowBandwidth ? .cameraLow : .camera
            if let track { connection.outbound.requireKeyframe(track) }
            // Starts or stops the low-bandwidth rendition (after the wait above, so its first
            // keyframe is not missed).
            fanout.preferencesChanged(connection, now: nanos)
            if let track { fanout.requestKeyframe(track, now: nanos) }
            ack(frame, to: connection)
        case .keyframeRequest(let request):
            if let track = request.mediaTrack {
                connection.outbound.requireKeyframe(track)
                fanout.requestKeyframe(track, now: nanos)
            }
            ack(frame, to: connection)
        case .lessonStart, .lessonHandOver, .lessonExtend, .lessonPause, .lessonResume, .lessonEnd:
            guard let kind = LessonCommand.Kind(frame.message) else { return }
            await command(LessonCommand(kind, from: participant, expectedPhase: frame.message.expectedPhase), frame: frame, from: connection)
        case .rollCallMark(let mark):
            await rollCall(mark, frame: frame, from: connection)
        case .interaction(let message):
            await interact(message, frame: frame, from: connection)
        }
    }

    private func command(_ command: LessonCommand, frame: ClientFrame, from connection: LiveConnection) async {
        let now = clock.now()
        do {
            let step = try await apply(.command(command, at: now))
            perform(step, now: now)
            if let refusal = step.refusal {
                reply(error: ProtocolError(refusal, requestID: frame.id), to: connection)
            } else {
                ack(frame, to: connection)
            }
        } catch {
            logger.error("could not persist a lesson command", metadata: ["error": "\(error)"])
            reply(error: ProtocolError(.internalError, "the command could not be saved; nothing changed", requestID: frame.id), to: connection)
        }
    }

    static func readOnlyAllowed(_ message: ClientMessage) -> Bool {
        switch message {
        case .ping, .mediaPreferences, .keyframeRequest, .interaction(.chatHistory): true
        default: false
        }
    }

    func reply(error: ProtocolError, to connection: LiveConnection) {
        metrics.errorsSent.increment()
        send(encoder.encode(ErrorReply(code: error.code, message: error.message), id: error.requestID), to: connection)
    }

    // MARK: The phase engine

    /// Runs `event` through a copy of the engine; if anything changed, persists the event, its
    /// transition records and `extra` log entries in one append, then adopts the new engine.
    /// A refused command that changed nothing is not persisted.
    func apply(_ event: LessonEvent, extra: [(String, ParticipantID?, Data)] = []) async throws -> LessonStep {
        if !engineTurns.tryEnter() {
            await withCheckedContinuation { engineTurns.enqueue($0) }
        }
        defer { engineTurns.leave()?.resume() }
        var next = engine
        let step = next.handle(event)
        var entries: [StoredEvent] = extra.map {
            StoredEvent(lessonID: lessonID, at: event.at, kind: $0.0, actor: $0.1, body: $0.2)
        }
        if next != engine {
            let actor: ParticipantID? = if case .command(let c, _) = event { c.from.id } else { nil }
            entries.append(StoredEvent(lessonID: lessonID, at: event.at, kind: LessonLog.engineEvent, actor: actor,
                                       body: try JSONEncoder.sorted.encode(event)))
            for case .record(let record) in step.actions {
                entries.append(StoredEvent(lessonID: lessonID, at: record.at, kind: LessonLog.transition,
                                           actor: record.by, body: try JSONEncoder.sorted.encode(record)))
            }
        }
        if !entries.isEmpty {
            let stored = try await store.append(entries)
            lastSeq = stored.last?.seq ?? lastSeq
            ingestAttendance(stored)
        }
        if next != engine {
            engine = next
            scheduleTimer()
        }
        return step
    }

    /// Tells everyone what the engine did: transitions, warnings, notices, and the new snapshot.
    func perform(_ step: LessonStep, now: Instant, except: UInt64? = nil) {
        guard !step.actions.isEmpty else { return }
        for action in step.actions {
            switch action {
            case .record(let record):
                broadcast(encoder.encode(LessonTransitionMessage(record: record)), except: except) { _ in true }
            case .handoffWarning(let warning):
                broadcast(encoder.encode(LessonWarningMessage(warning: warning)), except: except) {
                    $0.role.isTeacher || $0.role == .admin || $0.role == .observer
                }
            default:
                if let notice = LessonNoticeMessage(action) {
                    broadcast(encoder.encode(notice), except: except) { _ in true }
                }
            }
        }
        broadcast(encoder.encode(LessonStateMessage(state: engine.snapshot(at: now))), except: except) { _ in true }
        engineStepped()
        // The recording ends with the lesson (its files are finished in the background).
        if engine.status == .ended { fanout.recorder?.stop() }
    }

    /// Keeps exactly one timer: a sleep until the engine's next deadline, then a tick. While a tick
    /// runs, engine changes do not touch the timer (cancelling it would cancel the tick's own write
    /// to the store); the tick schedules the next one when it is done. A failed tick is retried
    /// after `retryAfter`.
    private func scheduleTimer(retryAfter: Duration? = nil) {
        guard !ticking, !timersStopped else { return }
        timer?.cancel()
        guard let deadline = engine.nextDeadline else {
            timer = nil
            return
        }
        timer = Task { [clock] in
            do {
                if let retryAfter { try await Task.sleep(for: retryAfter) }
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            await self.tick()
        }
    }

    private func tick() async {
        ticking = true
        let now = clock.now()
        var failed = false
        do {
            let step = try await apply(.tick(at: now))
            perform(step, now: now)
        } catch {
            logger.error("lesson timer failed; retrying in a second", metadata: ["lesson": "\(lessonID)", "error": "\(error)"])
            failed = true
        }
        ticking = false
        scheduleTimer(retryAfter: failed ? .seconds(1) : nil)
    }

    /// The engine's snapshot now (for the admin view and tests).
    func snapshot() -> LessonSnapshot { engine.snapshot(at: clock.now()) }

    // MARK: Shutdown

    /// Tells everyone the server is closing and closes every connection (graceful shutdown).
    func close(reason: String, reconnectAfterMs: Int64) {
        timersStopped = true
        timer?.cancel()
        attendance.heartbeats?.cancel()
        stopInteractionTimers()
        fanout.recorder?.stop()
        let message = encoder.encode(ServerClosing(reason: reason, reconnectAfterMs: reconnectAfterMs))
        for connection in connections.values {
            connection.outbound.sendControl(message)
            connection.outbound.close(code: 1001, reason: "server closing")
        }
    }

    /// A join that reached a room the registry has just let go of; the client's retry gets a fresh room.
    struct Retired: Error, CustomStringConvertible {
        let lesson: LessonID
        var description: String { "lesson \(lesson) was unloaded while joining" }
    }

    /// Lets go of an ended lesson nobody is connected to: stops its timers and the recording, and
    /// refuses joins from now on (true again if already retired). Everything is in the store, so a later join (or report) rebuilds
    /// it; the registry drops the room when this returns true. Long-running servers would otherwise
    /// keep every lesson they ever served in memory.
    func retireIfIdle() -> Bool {
        if retired { return true }
        guard connections.isEmpty, presenceWrites == 0, engine.status == .ended else { return false }
        retired = true
        timersStopped = true
        timer?.cancel()
        timer = nil
        attendance.heartbeats?.cancel()
        attendance.heartbeats = nil
        stopInteractionTimers()
        fanout.recorder?.stop()
        return true
    }

    /// Closes every connection of one participant (kick).
    func disconnect(_ participant: ParticipantID, code: UInt16, reason: String) {
        for connection in connections.values where connection.participant.id == participant {
            connection.outbound.close(code: code, reason: reason)
        }
    }

    // MARK: Helpers

    func ack(_ frame: ClientFrame, to connection: LiveConnection) {
        guard frame.id != nil else { return }
        send(encoder.encode(Ack(of: frame.message.type), id: frame.id), to: connection)
    }

    func send(_ buffer: ByteBuffer, to connection: LiveConnection) {
        var wakes = DrainWakes()
        send(WireFrame(text: buffer), to: connection, wakes: &wakes)
        wakes.run()
    }

    private func send(_ frame: WireFrame, to connection: LiveConnection, wakes: inout DrainWakes) {
        if connection.outbound.sendControl(frame, wakes: &wakes) {
            metrics.controlOut.increment()
        } else {
            metrics.slowClosed.increment()
            connection.outbound.close(code: 1008, reason: "too slow: control backlog overflowed; reconnect")
        }
    }

    /// Sends one encoded message (the same bytes) to every connection whose participant passes `filter`.
    func broadcast(_ buffer: ByteBuffer, except: UInt64? = nil, where filter: (Participant) -> Bool) {
        let frame = WireFrame(text: buffer)
        var wakes = DrainWakes()
        for connection in connections.values where connection.id != except && filter(connection.participant) {
            send(frame, to: connection, wakes: &wakes)
        }
        wakes.run()
    }

    private func broadcastPresence(_ event: PresenceEvent, except: UInt64?) {
        let buffer = encoder.encode(event)
        broadcast(buffer, except: except) { PresenceVisibility.canSee(viewer: $0, subject: event.participant) }
    }

    /// Who is online, as `viewer` may see them. Participants come from the roster (`members`):
    /// building them from the connections cost O(n) allocations per join, O(n²) for a storm.
    private func onlineList(for viewer: Participant) -> [OnlineEntry] {
        online.compactMap { id, entry -> OnlineEntry? in
            guard let p = members[id], PresenceVisibility.canSee(viewer: viewer, subject: p) else { return nil }
            return OnlineEntry(participant: p, connections: entry.connections.count, since: entry.since)
        }.sorted { $0.participant.id < $1.participant.id }
    }
}

/// Kinds of lesson-log entries written by the room.
enum LessonLog {
    /// A `LessonEvent` fed to the phase engine (replayed after a restart).
    static let engineEvent = "lesson.event"
    /// A `TransitionRecord` (who/when/why), for reports.
    static let transition = "lesson.transition"
}

/// The body of presence events in the lesson log.
struct PresenceLog: Codable {
    static let joined = "presence.joined"
    static let left = "presence.left"
    var connection: UInt64
    var role: Role
    var change: String
    /// The participant's classroom (absent in entries written before attendance was added).
    var classroom: ClassroomID? = nil

    enum CodingKeys: String, CodingKey {
        case connection, role, change
        case classroom = "classroom_id"
    }
}

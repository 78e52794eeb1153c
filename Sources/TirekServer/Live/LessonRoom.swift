import Foundation
import Logging
import NIOCore
import TirekCore
import TirekProtocol
import TirekStore

/// One live lesson: its connections, presence, and the rules that decide who receives what.
/// Control messages are handled one at a time by this actor; media bypasses it through `fanout`.
/// Every accepted change is appended to the store's event log before anyone is told about it.
actor LessonRoom {
    let roster: LessonRoster
    let fanout: MediaFanout
    private let store: any TirekStore
    private let clock: any WallClock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let encoder = ServerEncoder()
    private let heartbeat: Duration

    private var connections: [UInt64: LiveConnection] = [:]
    /// Open connections per participant, and since when the participant has been online.
    private var online: [ParticipantID: (connections: Set<UInt64>, since: Instant)] = [:]
    /// Participants who were online at some point in this lesson (a return is a "reconnected").
    private var seen: Set<ParticipantID> = []
    private var lastSeq: Int64 = 0

    init(roster: LessonRoster, store: any TirekStore, clock: any WallClock, metrics: ServerMetrics,
         logger: Logger, heartbeat: Duration) {
        self.roster = roster
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.heartbeat = heartbeat
        fanout = MediaFanout(metrics: metrics)
        fanout.setPublisher(roster.hubTeacher.id, for: .audio)
        fanout.setPublisher(roster.hubTeacher.id, for: .camera)
        fanout.setPublisher(roster.hubTeacher.id, for: .screen)
    }

    /// Rebuilds what the log says about this lesson (after a restart).
    func restore() async throws {
        var after: Int64 = 0
        while true {
            let events = try await store.events(lesson: roster.lesson.id, after: after, limit: 1000)
            guard let last = events.last else { break }
            for event in events where event.kind == PresenceLog.joined {
                if let actor = event.actor { seen.insert(actor) }
            }
            after = last.seq
        }
        lastSeq = after
    }

    var connectionCount: Int { connections.count }

    // MARK: Joining and leaving

    /// Registers a connection: logs presence, sends `welcome`, tells those who may see it.
    func join(_ connection: LiveConnection) async throws {
        let now = clock.now()
        let participant = connection.participant
        let first = online[participant.id] == nil
        let change: PresenceEvent.Change = first ? (seen.contains(participant.id) ? .reconnected : .joined) : .joined
        try await log(now, PresenceLog.joined, actor: participant.id,
                      PresenceLog(connection: connection.id, role: participant.role, change: change.rawValue))
        connections[connection.id] = connection
        seen.insert(participant.id)
        if var entry = online[participant.id] {
            entry.connections.insert(connection.id)
            online[participant.id] = entry
        } else {
            online[participant.id] = ([connection.id], now)
        }
        metrics.connections.increment()
        let welcome = Welcome(serverTime: now, you: participant, connectionID: connection.id,
                              lesson: LessonSummary(roster: roster), online: onlineList(for: participant),
                              lessonState: ["state": "scheduled"], lastSeq: lastSeq,
                              heartbeatMs: Int64(heartbeat.components.seconds * 1000))
        send(encoder.encode(welcome), to: connection)
        broadcastPresence(PresenceEvent(change: change, participant: participant, at: now,
                                        connections: online[participant.id]?.connections.count ?? 1),
                          except: connection.id)
        fanout.subscribe(connection, now: DispatchTime.now().uptimeNanoseconds)
    }

    /// Unregisters a connection; the participant has left when their last connection closes.
    func leave(_ connection: LiveConnection) async {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        fanout.unsubscribe(connection)
        metrics.connections.decrement()
        let now = clock.now()
        let participant = connection.participant
        var remaining = 0
        if var entry = online[participant.id] {
            entry.connections.remove(connection.id)
            remaining = entry.connections.count
            online[participant.id] = remaining == 0 ? nil : entry
        }
        do {
            try await log(now, PresenceLog.left, actor: participant.id,
                          PresenceLog(connection: connection.id, role: participant.role, change: "left"))
        } catch {
            logger.error("could not log a leave", metadata: ["lesson": "\(roster.lesson.id)", "error": "\(error)"])
        }
        if remaining == 0 {
            broadcastPresence(PresenceEvent(change: .left, participant: participant, at: now, connections: 0), except: nil)
        }
    }

    // MARK: Messages

    func handle(_ frame: ClientFrame, from connection: LiveConnection) async {
        let participant = connection.participant
        if participant.role.isReadOnly, !Self.readOnlyAllowed(frame.message) {
            reply(error: ProtocolError(.forbidden, "observers watch read-only and cannot send \(frame.message.type)",
                                       requestID: frame.id), to: connection)
            return
        }
        switch frame.message {
        case .ping(let ping):
            send(encoder.encode(Pong(t: ping.t, serverTime: clock.now()), id: frame.id), to: connection)
        case .mediaPreferences(let prefs):
            connection.mediaPreferences = prefs
            if !prefs.audioOnly {
                connection.outbound.requireKeyframe(prefs.lowBandwidth ? .cameraLow : .camera)
                fanout.requestKeyframe(prefs.lowBandwidth ? .cameraLow : .camera, now: DispatchTime.now().uptimeNanoseconds)
            }
            ack(frame, to: connection)
        case .keyframeRequest(let request):
            if let track = request.mediaTrack {
                connection.outbound.requireKeyframe(track)
                fanout.requestKeyframe(track, now: DispatchTime.now().uptimeNanoseconds)
            }
            ack(frame, to: connection)
        case .lessonStart, .lessonHandOver, .lessonExtend, .lessonPause, .lessonResume, .lessonEnd:
            reply(error: ProtocolError(.invalidState, "the phase engine is not running in this build", requestID: frame.id), to: connection)
        }
    }

    static func readOnlyAllowed(_ message: ClientMessage) -> Bool {
        switch message {
        case .ping, .mediaPreferences, .keyframeRequest: true
        default: false
        }
    }

    func reply(error: ProtocolError, to connection: LiveConnection) {
        metrics.errorsSent.increment()
        send(encoder.encode(ErrorReply(code: error.code, message: error.message), id: error.requestID), to: connection)
    }

    // MARK: Shutdown

    /// Tells everyone the server is closing and closes every connection (graceful shutdown).
    func close(reason: String, reconnectAfterMs: Int64) {
        let message = encoder.encode(ServerClosing(reason: reason, reconnectAfterMs: reconnectAfterMs))
        for connection in connections.values {
            connection.outbound.sendControl(message)
            connection.outbound.close(code: 1001, reason: "server closing")
        }
    }

    /// Closes every connection of one participant (kick).
    func disconnect(_ participant: ParticipantID, code: UInt16, reason: String) {
        for connection in connections.values where connection.participant.id == participant {
            connection.outbound.close(code: code, reason: reason)
        }
    }

    // MARK: Helpers

    private func ack(_ frame: ClientFrame, to connection: LiveConnection) {
        guard frame.id != nil else { return }
        send(encoder.encode(Ack(of: frame.message.type), id: frame.id), to: connection)
    }

    private func send(_ buffer: ByteBuffer, to connection: LiveConnection) {
        if connection.outbound.sendControl(buffer) {
            metrics.controlOut.increment()
        } else {
            metrics.slowClosed.increment()
            connection.outbound.close(code: 1008, reason: "too slow: control backlog overflowed; reconnect")
        }
    }

    /// Sends one encoded message to every connection whose participant passes `filter`.
    private func broadcast(_ buffer: ByteBuffer, except: UInt64? = nil, where filter: (Participant) -> Bool) {
        for connection in connections.values where connection.id != except && filter(connection.participant) {
            send(buffer, to: connection)
        }
    }

    private func broadcastPresence(_ event: PresenceEvent, except: UInt64?) {
        let buffer = encoder.encode(event)
        broadcast(buffer, except: except) { PresenceVisibility.canSee(viewer: $0, subject: event.participant) }
    }

    private func onlineList(for viewer: Participant) -> [OnlineEntry] {
        let byID = Dictionary(connections.values.map { ($0.participant.id, $0.participant) }, uniquingKeysWith: { a, _ in a })
        return online.compactMap { id, entry -> OnlineEntry? in
            guard let p = byID[id], PresenceVisibility.canSee(viewer: viewer, subject: p) else { return nil }
            return OnlineEntry(participant: p, connections: entry.connections.count, since: entry.since)
        }.sorted { $0.participant.id < $1.participant.id }
    }

    @discardableResult
    private func log<Body: Encodable>(_ at: Instant, _ kind: String, actor: ParticipantID?, _ body: Body) async throws -> Int64 {
        let data = try JSONEncoder.sorted.encode(body)
        let stored = try await store.append([StoredEvent(lessonID: roster.lesson.id, at: at, kind: kind, actor: actor, body: data)])
        lastSeq = stored.last?.seq ?? lastSeq
        return lastSeq
    }
}

/// The body of presence events in the lesson log.
struct PresenceLog: Codable {
    static let joined = "presence.joined"
    static let left = "presence.left"
    var connection: UInt64
    var role: Role
    var change: String
}

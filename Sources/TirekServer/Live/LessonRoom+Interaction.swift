import Foundation
import NIOCore
import TirekClassroom
import TirekCore
import TirekProtocol
import TirekStore

/// The interaction layer's part of a lesson room: the pure model, and what the I/O needs around it.
struct InteractionState: Sendable {
    var model = InteractionModel()
    /// Interaction changes run one at a time (persist, adopt, tell), in arrival order: the room
    /// actor is reentrant across the log append, and two changes built on the same state must
    /// not both be adopted.
    /// Interaction changes take turns (see `TurnGate`).
    var turns = TurnGate()
    /// One timer: the next instant a disconnected raiser's hand runs out of grace.
    var expiryTimer: Task<Void, Never>?
    var expiryAt: Instant?
    /// Live `poll.results` at most a few times a second per poll (see `pollResultsChanged`).
    var resultsThrottle = BroadcastThrottle<PollID>(interval: .milliseconds(250))

    /// How many recent chat messages a new connection receives after `welcome`.
    static let recentChatOnJoin = 50
}

extension LessonRoom {
    // MARK: Requests

    /// Handles one interaction request: the rules decide, the accepted change is appended to the
    /// lesson log, then everyone who may see it is told, then the sender gets `ack`.
    func interact(_ message: InteractionMessage, frame: ClientFrame, from connection: LiveConnection) async {
        let participant = connection.participant
        switch message {
        case .chatHistory(let request):
            let page = interaction.model.chat.history(after: request.afterSeq, for: participant, limit: request.limit)
            send(encoder.encode(ChatHistoryMessage(page: page), id: frame.id), to: connection)
            return
        case .signal(let signal):
            relay(signal, frame: frame, from: connection)
            return
        default:
            break
        }
        await enterInteraction()
        defer { leaveInteraction() }
        let now = clock.now()
        await followStageHoldingGate(now: now)
        do {
            let command = try interactionCommand(message, from: participant, now: now)
            let record = InteractionRecord(at: now, by: participant, lead: interaction.model.stage.routingLead, command: command)
            dispatch(try await commit(record), now: now)
            ack(frame, to: connection)
        } catch let refusal as Refusal {
            refuse(refusal, frame: frame, to: connection, now: now)
        } catch {
            logger.error("could not persist an interaction event", metadata: ["lesson": "\(lessonID)", "error": "\(error)"])
            reply(error: ProtocolError(.internalError, "the request could not be saved; nothing changed", requestID: frame.id),
                  to: connection)
        }
    }

    /// The log record for a request (ids and scopes resolved from the sender).
    private func interactionCommand(_ message: InteractionMessage, from p: Participant, now: Instant) throws -> InteractionRecord.Command {
        /// The sender's own scope when a message names none: their classroom for a local teacher,
        /// the lesson otherwise (the rules refuse whoever may not act there).
        func ownScope(_ classroomID: ClassroomID?) -> InteractionScope {
            if let classroomID { return .classroom(classroomID) }
            if p.role == .localTeacher, let own = p.classroomID { return .classroom(own) }
            return .lesson
        }
        switch message {
        case .handRaise(let m):
            let subject: HandSubject = if let name = m.studentName {
                .named(name: name, classroomID: p.classroomID ?? ClassroomID(""))
            } else {
                .participant(p.id)
            }
            return .handRaise(subject: subject, question: m.question)
        case .handLower(let m):
            return .handLower(hand: m.handID)
        case .handDismiss(let m):
            return .handDismiss(hand: m.handID)
        case .handDismissAll(let m):
            return .handDismissAll(scope: ownScope(m.classroomID))
        case .floorGrant(let m):
            return .floorGrant(hand: m.handID, withVideo: m.withVideo)
        case .floorEnd:
            return .floorEnd
        case .chatSend(let m):
            let scope: ChatScope
            switch m.scope {
            case .lesson:
                scope = .lesson
            case .classroom:
                guard let id = m.classroomID ?? p.classroomID else {
                    throw Refusal(.invalidValue, "name the classroom (classroom_id)")
                }
                scope = .classroom(id)
            case .privateThread:
                guard let to = m.to else { throw Refusal(.invalidValue, "a private message needs \"to\"") }
                scope = p.role == .student ? .privateThread(student: p.id, teacher: to) : .privateThread(student: to, teacher: p.id)
            }
            return .chatPost(text: m.text, scope: scope)
        case .chatDelete(let m):
            return .chatDelete(message: m.messageID)
        case .chatLock(let m):
            return .chatLock(scope: ownScope(m.classroomID), locked: m.locked)
        case .chatMute(let m):
            guard let target = members[m.participantID] else {
                throw Refusal(.notFound, "no participant \(m.participantID) in this lesson")
            }
            return .chatMute(target: target, until: m.seconds == 0 ? nil : now + .seconds(Int64(m.seconds)))
        case .pollStart(let m):
            return .pollStart(kind: m.kind, question: m.question, options: m.options)
        case .pollAnswer(let m):
            return .pollAnswer(poll: m.pollID, choice: m.choice)
        case .pollTally(let m):
            return .pollTally(poll: m.pollID, counts: m.counts, respondents: m.respondents)
        case .pollClose(let m):
            return .pollClose(poll: m.pollID)
        case .shareStart:
            return .shareStart
        case .shareStop:
            return .shareStop
        case .shareRequest:
            return .shareRequest
        case .shareGrant(let m):
            return .shareGrant(requester: m.participantID)
        case .shareRefuse(let m):
            return .shareRefuse(requester: m.participantID)
        case .chatHistory, .signal:
            throw Refusal(.invalidState, "\(message.type) changes nothing")
        }
    }

    private func refuse(_ refusal: Refusal, frame: ClientFrame, to connection: LiveConnection, now: Instant) {
        var retry: Int64?
        if refusal.code == .rateLimited {
            retry = interaction.model.chat.retryAfter(connection.participant.id, at: now)?.value
        }
        metrics.errorsSent.increment()
        send(encoder.encode(ErrorReply(code: refusal.code, message: refusal.message, retryAfterMs: retry), id: frame.id),
             to: connection)
    }

    /// WebRTC signalling: checked by the relay policy against the participants connected now,
    /// then passed unchanged to every connection of the named participant. Not logged: it
    /// changes no lesson state.
    private func relay(_ signal: SignalMessage, frame: ClientFrame, from connection: LiveConnection) {
        let connected = Dictionary(connections.values.map { ($0.participant.id, $0.participant) }, uniquingKeysWith: { a, _ in a })
        do {
            let relay = try SignalRelayPolicy().validate(kind: signal.kind.rawValue, payload: signal.payload,
                                                         from: connection.participant.id, to: signal.to) { connected[$0] }
            broadcast(encoder.encode(SignalRelayMessage(from: relay.from, kind: relay.kind, payload: signal.payload))) {
                $0.id == relay.to
            }
            ack(frame, to: connection)
        } catch let refusal as Refusal {
            refuse(refusal, frame: frame, to: connection, now: clock.now())
        } catch {
            reply(error: ProtocolError(.internalError, "\(error)", requestID: frame.id), to: connection)
        }
    }

    // MARK: One change at a time

    func enterInteraction() async {
        if !interaction.turns.tryEnter() {
            await withCheckedContinuation { interaction.turns.enqueue($0) }
        }
    }

    func leaveInteraction() {
        interaction.turns.leave()?.resume()
    }

    /// Runs `record` through a copy of the model; if anything changed, appends the record to the
    /// lesson log and adopts the copy. Refusals (`Refusal`) and log failures change nothing.
    /// Call while holding the gate.
    private func commit(_ record: InteractionRecord) async throws -> [InteractionOutcome] {
        var next = interaction.model
        let members = self.members
        let outcomes = try next.apply(record) { members[$0] }
        guard next != interaction.model else { return outcomes }
        let body = try JSONEncoder.sorted.encode(record)
        let stored = try await store.append([
            StoredEvent(lessonID: lessonID, at: record.at, kind: record.kind, actor: record.by?.id, body: body),
        ])
        lastSeq = stored.last?.seq ?? lastSeq
        interaction.model = next
        scheduleHandExpiry()
        return outcomes
    }

    /// Commits a system record (presence, timer, phase change) and tells everyone concerned.
    private func commitSystem(_ command: InteractionRecord.Command, now: Instant) async {
        let record = InteractionRecord(at: now, by: nil, lead: interaction.model.stage.routingLead, command: command)
        do {
            dispatch(try await commit(record), now: now)
        } catch {
            logger.error("could not apply an interaction event", metadata: [
                "lesson": "\(lessonID)", "event": "\(record.kind)", "error": "\(error)",
            ])
        }
    }

    // MARK: Phase changes, presence, expiry

    /// Called after every engine step: when the phase or the lead moved, the queues and the
    /// shares follow (persisted, then broadcast). Requests that arrive first follow it themselves.
    func engineStepped() {
        guard InteractionStage(engine) != interaction.model.stage else { return }
        Task { await self.followStage() }
    }

    private func followStage() async {
        await enterInteraction()
        defer { leaveInteraction() }
        await followStageHoldingGate(now: clock.now())
    }

    private func followStageHoldingGate(now: Instant) async {
        let stage = InteractionStage(engine)
        guard stage != interaction.model.stage else { return }
        await commitSystem(.stage(stage), now: now)
    }

    /// A participant's first connection opened (`online`) or their last one closed: hands keep
    /// their place for the grace period; floors, shares and share requests end at once.
    func interactionPresence(of participant: Participant, online: Bool) async {
        await enterInteraction()
        defer { leaveInteraction() }
        await commitSystem(online ? .back(participant.id) : .away(participant.id), now: clock.now())
    }

    private func scheduleHandExpiry() {
        let next = interaction.model.nextHandExpiry
        guard next != interaction.expiryAt else { return }
        interaction.expiryTimer?.cancel()
        interaction.expiryAt = next
        guard let next else {
            interaction.expiryTimer = nil
            return
        }
        interaction.expiryTimer = Task { [clock] in
            do {
                try await clock.sleep(until: next)
            } catch {
                return
            }
            await self.expireHands()
        }
    }

    private func expireHands() async {
        await enterInteraction()
        defer { leaveInteraction() }
        interaction.expiryAt = nil
        await commitSystem(.expire, now: clock.now())
        scheduleHandExpiry()
    }

    /// Stops the expiry timer (server shutdown).
    func stopInteractionTimers() {
        interaction.expiryTimer?.cancel()
        interaction.expiryTimer = nil
        interaction.expiryAt = nil
    }

    /// Rebuilds the interaction state from the lesson log after a restart. Every connection was
    /// closed by the restart: hands keep their place for the grace period from now, floors,
    /// shares and share requests end.
    func restoreInteraction() async throws {
        var model = InteractionModel()
        var after: Int64 = 0
        let decoder = JSONDecoder()
        let members = self.members
        var replayed = 0
        while true {
            let page = try await store.events(lesson: lessonID, after: after, limit: 1000)
            guard let last = page.last else { break }
            for event in page where event.kind.hasPrefix(InteractionRecord.kindPrefix) {
                do {
                    let record = try decoder.decode(InteractionRecord.self, from: event.body)
                    _ = try model.apply(record) { members[$0] }
                    replayed += 1
                } catch {
                    logger.error("an interaction record could not be replayed", metadata: [
                        "lesson": "\(lessonID)", "seq": "\(event.seq)", "error": "\(error)",
                    ])
                }
            }
            after = last.seq
        }
        interaction.model = model
        await enterInteraction()
        defer { leaveInteraction() }
        let now = clock.now()
        await followStageHoldingGate(now: now)
        for id in interaction.model.connectedStateHolders.sorted() {
            await commitSystem(.away(id), now: now)
        }
        scheduleHandExpiry()
        if replayed > 0 {
            logger.info("interaction state restored", metadata: ["lesson": "\(lessonID)", "records": "\(replayed)"])
        }
    }

    // MARK: Telling people

    /// Who follows what happens in a scope: everyone for the lesson; for a classroom its
    /// members and the supervisors (hub teacher, admins, observers), as for classroom chat.
    static func follows(_ scope: InteractionScope, _ participant: Participant) -> Bool {
        switch scope {
        case .lesson: true
        case .classroom(let id): ChatRules.mayRead(.classroom(id), participant)
        }
    }

    private func dispatch(_ outcomes: [InteractionOutcome], now: Instant) {
        for outcome in outcomes {
            switch outcome {
            case .hands(let events):
                dispatchHands(events, now: now)
            case .chatMessage(let message):
                broadcast(encoder.encode(ChatMessageBroadcast(message: message))) { ChatRules.visibleTo(message, $0) }
            case .chatDeleted(let deletion):
                broadcast(encoder.encode(ChatDeletedMessage(deletion: deletion))) { ChatRules.mayRead(deletion.scope, $0) }
            case .chatLock(let change):
                broadcast(encoder.encode(ChatModerationMessage(lock: change))) { Self.follows(change.scope, $0) }
            case .chatMute(let change):
                let target = members[change.participantID]
                broadcast(encoder.encode(ChatModerationMessage(mute: change))) { p in
                    p.id == change.participantID || p.id == change.by || (target.map { ChatRules.mayMute($0, by: p) } ?? false)
                }
            case .pollStarted(let poll):
                broadcast(encoder.encode(PollStartedMessage(poll: PollInfo(poll)))) { Self.follows(poll.scope, $0) }
            case .pollUpdated(let id):
                pollResultsChanged(id)
            case .pollClosed(let id):
                interaction.resultsThrottle.sent(id, now: .now)
                sendPollResults(id, to: Array(connections.values))
            case .shares(let actions):
                dispatchShares(actions, now: now)
            case .queuesMarked(let scopes):
                for scope in scopes { sendOwnerView(scope, to: nil) }
            case .stage(let stage):
                let scopes: [InteractionScope] = stage.routingLead == .hub ? [.lesson] : roster.classrooms.map { .classroom($0.id) }
                for scope in scopes { sendOwnerView(scope, to: nil) }
            }
        }
    }

    /// Live results go out at most a few times a second per poll (every answer changes them; a
    /// class of a thousand answering at once would otherwise cost a thousand broadcasts to every
    /// teacher). The final results at `poll.close` go out at once.
    private func pollResultsChanged(_ id: PollID) {
        switch interaction.resultsThrottle.changed(id, now: .now) {
        case .now:
            sendPollResults(id, to: Array(connections.values))
        case .alreadyScheduled:
            break
        case .later(let when):
            Task { [weak self] in
                try? await Task.sleep(until: when)
                await self?.flushPollResults(id)
            }
        }
    }

    private func flushPollResults(_ id: PollID) {
        guard interaction.resultsThrottle.flush(id, now: .now) else { return }
        sendPollResults(id, to: Array(connections.values))
    }

    /// `poll.results` to each connection that may see them now (live for teachers and
    /// supervisors; after close for the poll's students, filtered to their classroom).
    private func sendPollResults(_ id: PollID, to targets: [LiveConnection]) {
        let polls = interaction.model.polls
        guard let poll = polls.poll(id) else { return }
        let info = PollInfo(poll)
        var encoded: [PollAggregate: ByteBuffer] = [:]
        // The aggregate is computed once, and only if someone may see it (students joining during
        // an open poll may not).
        var view: PollResultsView?
        for connection in targets {
            guard let access = try? PollResultsView.access(to: poll, for: connection.participant) else { continue }
            if view == nil { view = try? polls.resultsView(id) }
            guard let results = view?.results(access) else { return }
            let buffer = encoded[results] ?? encoder.encode(PollResultsMessage(poll: info, results: results))
            encoded[results] = buffer
            send(buffer, to: connection)
        }
    }

    private func dispatchHands(_ events: [HandRaiseEvent], now: Instant) {
        guard !events.isEmpty else { return }
        var scopes: Set<InteractionScope> = []
        var raisers: Set<ParticipantID> = []
        for event in events {
            switch event {
            case .raised(let hand, _), .alreadyRaised(let hand, _), .reconnected(let hand, _),
                 .lowered(let hand), .dismissed(let hand), .expired(let hand), .cleared(let hand):
                scopes.insert(hand.scope)
                raisers.insert(hand.raisedBy)
            case .moved(let hand, let from):
                scopes.formUnion([hand.scope, from])
                raisers.insert(hand.raisedBy)
            case .floorGranted(let floor):
                scopes.insert(floor.scope)
                raisers.insert(floor.entry.raisedBy)
                if floor.scope == .lesson { fanout.setPublisher(floor.speaker, for: .talkback) }
                broadcast(encoder.encode(FloorStateMessage(scope: floor.scope, floor: floor, at: now))) {
                    Self.follows(floor.scope, $0)
                }
            case .floorEnded(let floor, let reason):
                scopes.insert(floor.scope)
                if floor.scope == .lesson, fanout.publisher(of: .talkback) == floor.speaker {
                    fanout.setPublisher(nil, for: .talkback)
                }
                broadcast(encoder.encode(FloorStateMessage(scope: floor.scope, ended: floor, reason: reason, at: now))) {
                    Self.follows(floor.scope, $0)
                }
            }
        }
        let hands = interaction.model.hands
        for scope in scopes {
            for entry in hands.queue(scope) { raisers.insert(entry.raisedBy) }
        }
        for scope in scopes.sorted(by: { $0.description < $1.description }) { sendOwnerView(scope, to: nil) }
        for raiser in raisers.sorted() {
            let buffer = encoder.encode(HandQueueMessage.raiser(hands.positions(for: raiser)))
            broadcast(buffer) { $0.id == raiser }
        }
    }

    /// The owner's view of a queue, to the scope's owner (or to one connection of theirs).
    private func sendOwnerView(_ scope: InteractionScope, to connection: LiveConnection?) {
        let hands = interaction.model.hands
        let buffer = encoder.encode(HandQueueMessage.owner(scope, entries: hands.queue(scope), floor: hands.floor(in: scope)))
        if let connection {
            send(buffer, to: connection)
        } else {
            broadcast(buffer) { scope.isLed(by: $0) }
        }
    }

    private func dispatchShares(_ actions: [ScreenShareAction], now: Instant) {
        for action in actions {
            switch action {
            case .started(let share):
                if share.scope == .lesson { fanout.setPublisher(share.sharerID, for: .screen) }
                broadcast(encoder.encode(ShareStateMessage(scope: share.scope, share: share, at: now))) {
                    Self.follows(share.scope, $0)
                }
            case .stopped(let share, let reason):
                if share.scope == .lesson, fanout.publisher(of: .screen) == share.sharerID {
                    fanout.setPublisher(roster.hubTeacher.id, for: .screen)
                }
                broadcast(encoder.encode(ShareStateMessage(scope: share.scope, stopped: share, reason: reason, at: now))) {
                    Self.follows(share.scope, $0)
                }
            case .requested(let request):
                sendShareRequest(ShareRequestUpdate(request: request, status: .pending))
            case .requestRefused(let request, let by):
                sendShareRequest(ShareRequestUpdate(request: request, status: .refused, by: by))
            case .requestWithdrawn(let request):
                sendShareRequest(ShareRequestUpdate(request: request, status: .withdrawn))
            }
        }
    }

    /// A share request goes to the lead who answers it and to the requester.
    private func sendShareRequest(_ update: ShareRequestUpdate) {
        broadcast(encoder.encode(update)) { update.request.scope.isLed(by: $0) || $0.id == update.request.requesterID }
    }

    // MARK: Joining

    /// What a new connection needs right after `welcome`: the recent chat it may read
    /// (`chat.history`), active locks and its own mute, the polls of its scopes, its hand
    /// queue (owner or raiser view), the floors and the screen shares it follows.
    func sendInteractionSnapshot(to connection: LiveConnection) {
        let p = connection.participant
        let model = interaction.model
        let recent = model.chat.recent(for: p, limit: InteractionState.recentChatOnJoin)
        send(encoder.encode(ChatHistoryMessage(messages: recent, deletions: [], lastSeq: model.chat.lastSeq, hasMore: false)),
             to: connection)
        for change in model.locks.values.sorted(by: { $0.at < $1.at }) where Self.follows(change.scope, p) {
            send(encoder.encode(ChatModerationMessage(lock: change)), to: connection)
        }
        if let mute = model.mutes[p.id], let until = mute.until, until > clock.now() {
            send(encoder.encode(ChatModerationMessage(mute: mute)), to: connection)
        }
        for poll in model.polls.polls where Self.follows(poll.scope, p) {
            if poll.isOpen { send(encoder.encode(PollStartedMessage(poll: PollInfo(poll))), to: connection) }
            sendPollResults(poll.id, to: [connection])
        }
        if let own = InteractionModel.ownedScope(of: p, lead: model.stage.routingLead) {
            sendOwnerView(own, to: connection)
        }
        let mine = model.hands.positions(for: p.id)
        if !mine.isEmpty { send(encoder.encode(HandQueueMessage.raiser(mine)), to: connection) }
        for floor in model.hands.floors where Self.follows(floor.scope, p) {
            send(encoder.encode(FloorStateMessage(scope: floor.scope, floor: floor, at: floor.grantedAt)), to: connection)
        }
        for share in model.shares.shares where Self.follows(share.scope, p) {
            send(encoder.encode(ShareStateMessage(scope: share.scope, share: share, at: share.startedAt)), to: connection)
        }
        for request in model.shares.requests where request.scope.isLed(by: p) || request.requesterID == p.id {
            send(encoder.encode(ShareRequestUpdate(request: request, status: .pending)), to: connection)
        }
    }
}

import Foundation
import TirekClassroom
import TirekCore

/// Where the lesson stands as far as the interaction rules care: the phase and its lead. A
/// change of either is a phase change for the hand-raise queues and the screen shares.
struct InteractionStage: Codable, Equatable, Sendable {
    var phaseIndex: Int?
    var lead: Lead?
    var ended: Bool

    static let initial = InteractionStage(phaseIndex: nil, lead: nil, ended: false)

    init(phaseIndex: Int?, lead: Lead?, ended: Bool) {
        self.phaseIndex = phaseIndex
        self.lead = lead
        self.ended = ended
    }

    init(_ engine: LessonEngine) {
        self.init(phaseIndex: engine.phaseIndex, lead: engine.effectiveLead, ended: engine.status == .ended)
    }

    /// The lead the rules route by: outside phases (lobby, after the end) the hub teacher's
    /// lesson-wide scope.
    var routingLead: Lead { lead ?? .hub }

    enum CodingKeys: String, CodingKey {
        case lead, ended
        case phaseIndex = "phase_index"
    }
}

/// One accepted interaction event, as written to the lesson log (kind `interaction.<name>`).
/// The interaction state is the fold of these records in log order: `InteractionModel.apply`
/// run on them again after a restart rebuilds exactly the same state (ids, sequence numbers,
/// rate-limit buckets included), because the rules are pure and every input is in the record.
struct InteractionRecord: Codable, Equatable, Sendable {
    enum Command: Codable, Equatable, Sendable {
        case handRaise(subject: HandSubject, question: String?)
        /// nil: every hand the sender raised.
        case handLower(hand: HandRaiseID?)
        case handDismiss(hand: HandRaiseID)
        case handDismissAll(scope: InteractionScope)
        case floorGrant(hand: HandRaiseID, withVideo: Bool)
        /// The owner takes the floor back, or the speaker finishes.
        case floorEnd
        case chatPost(text: String, scope: ChatScope)
        case chatDelete(message: ChatMessageID)
        case chatLock(scope: InteractionScope, locked: Bool)
        /// `until` nil: unmute.
        case chatMute(target: Participant, until: Instant?)
        case pollStart(kind: PollKind, question: String, options: [String])
        case pollAnswer(poll: PollID, choice: PollChoice)
        case pollTally(poll: PollID, counts: [Int], respondents: Int?)
        case pollClose(poll: PollID)
        case shareStart
        case shareRequest
        case shareGrant(requester: ParticipantID)
        case shareRefuse(requester: ParticipantID)
        /// Stops the sender's share (or the share the lead stops), or withdraws their request.
        case shareStop
        /// The participant's last connection closed.
        case away(ParticipantID)
        /// The participant's first connection opened.
        case back(ParticipantID)
        /// Hands past their reconnect grace are removed.
        case expire
        /// The phase or the lead changed.
        case stage(InteractionStage)

        var name: String {
            switch self {
            case .handRaise: "hand.raise"
            case .handLower: "hand.lower"
            case .handDismiss: "hand.dismiss"
            case .handDismissAll: "hand.dismiss_all"
            case .floorGrant: "floor.grant"
            case .floorEnd: "floor.end"
            case .chatPost: "chat.message"
            case .chatDelete: "chat.delete"
            case .chatLock: "chat.lock"
            case .chatMute: "chat.mute"
            case .pollStart: "poll.start"
            case .pollAnswer: "poll.answer"
            case .pollTally: "poll.tally"
            case .pollClose: "poll.close"
            case .shareStart: "share.start"
            case .shareRequest: "share.request"
            case .shareGrant: "share.grant"
            case .shareRefuse: "share.refuse"
            case .shareStop: "share.stop"
            case .away: "away"
            case .back: "back"
            case .expire: "hands.expire"
            case .stage: "stage"
            }
        }
    }

    static let kindPrefix = "interaction."

    var at: Instant
    /// Who sent it; nil for the system (presence, timers, phase changes).
    var by: Participant?
    /// The lead the rules were given.
    var lead: Lead
    var command: Command

    var kind: String { Self.kindPrefix + command.name }
}

/// What an accepted record changed, for the I/O layer to tell the right people.
enum InteractionOutcome: Equatable, Sendable {
    case hands([HandRaiseEvent])
    case chatMessage(ChatMessage)
    case chatDeleted(ChatDeletion)
    case chatLock(ChatLockChange)
    case chatMute(ChatMuteChange)
    case pollStarted(Poll)
    /// An answer or a tally changed the live aggregate.
    case pollUpdated(PollID)
    case pollClosed(PollID)
    case shares([ScreenShareAction])
    case stage(InteractionStage)
    /// Hands in these queues were marked disconnected (their owners' views change).
    case queuesMarked([InteractionScope])
}

/// The interaction state of one lesson: pure, no I/O. `apply` is the only way to change it.
struct InteractionModel: Equatable, Sendable {
    var hands = HandRaiseQueues()
    var chat = Chat()
    var polls = Polls()
    var shares = ScreenShares()
    var stage = InteractionStage.initial
    /// The change that set each active chat lock, and the latest mute of each participant
    /// (for the snapshot a joining connection receives).
    var locks: [InteractionScope: ChatLockChange] = [:]
    var mutes: [ParticipantID: ChatMuteChange] = [:]

    /// Runs one record through the rules. Throws the rules' `Refusal`; a refused record changes
    /// nothing.
    mutating func apply(_ record: InteractionRecord, lookup: (ParticipantID) -> Participant?) throws -> [InteractionOutcome] {
        let at = record.at
        let lead = record.lead
        func sender() throws -> Participant {
            guard let by = record.by else { throw Refusal(.invalidState, "a command needs a sender") }
            return by
        }
        switch record.command {
        case .handRaise(let subject, let question):
            return [.hands(try hands.raise(subject, question: question, by: try sender(), lead: lead, at: at))]
        case .handLower(let hand):
            let by = try sender()
            if let hand { return [.hands(try hands.lower(hand, by: by, at: at))] }
            let mine = hands.entries.filter { $0.raisedBy == by.id }
            guard !mine.isEmpty else { throw Refusal(.notFound, "you have no raised hand") }
            var copy = hands
            var events: [HandRaiseEvent] = []
            for entry in mine { events += try copy.lower(entry.id, by: by, at: at) }
            hands = copy
            return [.hands(events)]
        case .handDismiss(let hand):
            return [.hands(try hands.dismiss(hand, by: try sender(), at: at))]
        case .handDismissAll(let scope):
            return [.hands(try hands.dismissAll(in: scope, by: try sender(), at: at))]
        case .floorGrant(let hand, let withVideo):
            return [.hands(try hands.grant(hand, withVideo: withVideo, by: try sender(), at: at))]
        case .floorEnd:
            let by = try sender()
            if let own = Self.ownedScope(of: by, lead: lead), hands.floor(in: own) != nil {
                return [.hands(try hands.takeFloorBack(in: own, by: by, at: at))]
            }
            return [.hands(try hands.finishFloor(by: by, at: at))]
        case .chatPost(let text, let scope):
            return [.chatMessage(try chat.post(text, to: scope, from: try sender(), lead: lead, at: at, lookup: lookup))]
        case .chatDelete(let message):
            return [.chatDeleted(try chat.delete(message, by: try sender(), at: at))]
        case .chatLock(let scope, let locked):
            let by = try sender()
            let change = locked ? try chat.lock(scope, by: by, at: at) : try chat.unlock(scope, by: by, at: at)
            locks[scope] = locked ? change : nil
            return [.chatLock(change)]
        case .chatMute(let target, let until):
            let by = try sender()
            let change: ChatMuteChange
            if let until {
                change = try chat.mute(target, until: until, by: by, at: at)
            } else {
                change = try chat.unmute(target, by: by, at: at)
            }
            mutes[target.id] = until == nil ? nil : change
            return [.chatMute(change)]
        case .pollStart(let kind, let question, let options):
            return [.pollStarted(try polls.start(kind, question: question, options: options, by: try sender(), at: at))]
        case .pollAnswer(let poll, let choice):
            _ = try polls.answer(poll, choice, by: try sender(), at: at)
            return [.pollUpdated(poll)]
        case .pollTally(let poll, let counts, let respondents):
            _ = try polls.tally(poll, counts: counts, respondents: respondents, by: try sender(), at: at)
            return [.pollUpdated(poll)]
        case .pollClose(let poll):
            _ = try polls.close(poll, by: try sender(), at: at)
            return [.pollClosed(poll)]
        case .shareStart:
            return [.shares(try shares.start(by: try sender(), lead: lead, at: at))]
        case .shareRequest:
            return [.shares(try shares.request(by: try sender(), lead: lead, at: at))]
        case .shareGrant(let requester):
            return [.shares(try shares.grant(requester, by: try sender(), at: at))]
        case .shareRefuse(let requester):
            return [.shares(try shares.refuse(requester, by: try sender(), at: at))]
        case .shareStop:
            let by = try sender()
            if let mine = shares.shares.first(where: { $0.sharerID == by.id }) {
                return [.shares(try shares.stop(in: mine.scope, by: by, at: at))]
            }
            if let own = Self.ownedScope(of: by, lead: lead), shares.share(in: own) != nil {
                return [.shares(try shares.stop(in: own, by: by, at: at))]
            }
            if shares.requests.contains(where: { $0.requesterID == by.id }) {
                return [.shares(try shares.withdraw(by: by, at: at))]
            }
            throw Refusal(.invalidState, "you are not sharing and have no pending request")
        case .away(let participant):
            // Waiting hands are only marked (`disconnected_at`); their owners see it in the queue.
            let marked = Set(hands.entries.filter { $0.raisedBy == participant && $0.disconnectedAt == nil }.map(\.scope))
            return [.hands(hands.disconnected(participant, at: at)), .queuesMarked(marked.sorted { $0.description < $1.description }),
                    .shares(shares.disconnected(participant, at: at))]
        case .back(let participant):
            return [.hands(hands.reconnected(participant, at: at))]
        case .expire:
            return [.hands(hands.expire(at: at))]
        case .stage(let new):
            stage = new
            return [
                .hands(hands.phaseChanged(newLead: new.routingLead, at: at)),
                .shares(shares.phaseChanged(newLead: new.routingLead, at: at)),
                .stage(new),
            ]
        }
    }

    /// The scope `participant` leads while `lead` leads: the lesson for the hub teacher under a
    /// hub lead, their classroom for a local teacher under a local lead.
    static func ownedScope(of participant: Participant, lead: Lead) -> InteractionScope? {
        guard let scope = InteractionScope.routed(lead: lead, classroomID: participant.classroomID),
              scope.isLed(by: participant) else { return nil }
        return scope
    }

    /// Everyone whose hands, floors, shares or share requests depend on their connection.
    var connectedStateHolders: Set<ParticipantID> {
        var ids = Set(hands.entries.map(\.raisedBy))
        ids.formUnion(hands.floors.map(\.speaker))
        ids.formUnion(shares.shares.map(\.sharerID))
        ids.formUnion(shares.requests.map(\.requesterID))
        return ids
    }

    /// When the next waiting hand of a disconnected raiser runs out of grace.
    var nextHandExpiry: Instant? {
        let grace = hands.configuration.reconnectGrace
        return hands.entries.compactMap { $0.disconnectedAt.map { $0 + grace } }.min()
    }
}

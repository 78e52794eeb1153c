import TirekClassroom
import TirekCore

// Wire messages of the classroom interaction layer: hand-raise and the floor, chat, polls,
// screen share and WebRTC signalling. The rules behind them are in `TirekClassroom`
// (Protocols/rules/interaction.md); the wire format is in Protocols/README.md.

/// The interaction messages a client may send. One case of `ClientMessage` carries them all,
/// so the lesson room routes them to the interaction layer in one place.
public enum InteractionMessage: Sendable, Equatable {
    case handRaise(HandRaiseRequest)
    case handLower(HandLower)
    case handDismiss(HandDismiss)
    case handDismissAll(HandDismissAll)
    case floorGrant(FloorGrant)
    case floorEnd(FloorEnd)
    case chatSend(ChatSend)
    case chatDelete(ChatDelete)
    case chatLock(ChatLock)
    case chatMute(ChatMute)
    case chatHistory(ChatHistoryRequest)
    case pollStart(PollStart)
    case pollAnswer(PollAnswerRequest)
    case pollTally(PollTally)
    case pollClose(PollClose)
    case shareStart(ShareStart)
    case shareStop(ShareStop)
    case shareRequest(ShareRequestCommand)
    case shareGrant(ShareGrant)
    case shareRefuse(ShareRefuse)
    case signal(SignalMessage)

    public var type: String {
        switch self {
        case .handRaise: HandRaiseRequest.type
        case .handLower: HandLower.type
        case .handDismiss: HandDismiss.type
        case .handDismissAll: HandDismissAll.type
        case .floorGrant: FloorGrant.type
        case .floorEnd: FloorEnd.type
        case .chatSend: ChatSend.type
        case .chatDelete: ChatDelete.type
        case .chatLock: ChatLock.type
        case .chatMute: ChatMute.type
        case .chatHistory: ChatHistoryRequest.type
        case .pollStart: PollStart.type
        case .pollAnswer: PollAnswerRequest.type
        case .pollTally: PollTally.type
        case .pollClose: PollClose.type
        case .shareStart: ShareStart.type
        case .shareStop: ShareStop.type
        case .shareRequest: ShareRequestCommand.type
        case .shareGrant: ShareGrant.type
        case .shareRefuse: ShareRefuse.type
        case .signal: SignalMessage.type
        }
    }
}

extension ClientMessage {
    /// Catalogue rows of the interaction messages (appended to `ClientMessage.catalogue`).
    static let interactionEntries: [Entry] = [
        Entry(HandRaiseRequest.self) { .interaction(.handRaise($0)) },
        Entry(HandLower.self) { .interaction(.handLower($0)) },
        Entry(HandDismiss.self) { .interaction(.handDismiss($0)) },
        Entry(HandDismissAll.self) { .interaction(.handDismissAll($0)) },
        Entry(FloorGrant.self) { .interaction(.floorGrant($0)) },
        Entry(FloorEnd.self) { .interaction(.floorEnd($0)) },
        Entry(ChatSend.self) { .interaction(.chatSend($0)) },
        Entry(ChatDelete.self) { .interaction(.chatDelete($0)) },
        Entry(ChatLock.self) { .interaction(.chatLock($0)) },
        Entry(ChatMute.self) { .interaction(.chatMute($0)) },
        Entry(ChatHistoryRequest.self) { .interaction(.chatHistory($0)) },
        Entry(PollStart.self) { .interaction(.pollStart($0)) },
        Entry(PollAnswerRequest.self) { .interaction(.pollAnswer($0)) },
        Entry(PollTally.self) { .interaction(.pollTally($0)) },
        Entry(PollClose.self) { .interaction(.pollClose($0)) },
        Entry(ShareStart.self) { .interaction(.shareStart($0)) },
        Entry(ShareStop.self) { .interaction(.shareStop($0)) },
        Entry(ShareRequestCommand.self) { .interaction(.shareRequest($0)) },
        Entry(ShareGrant.self) { .interaction(.shareGrant($0)) },
        Entry(ShareRefuse.self) { .interaction(.shareRefuse($0)) },
        Entry(SignalMessage.self) { .interaction(.signal($0)) },
    ]
}

// MARK: - Hand-raise and the floor (client → server)

/// `hand.raise`: a student raises their own hand; a classroom screen or local teacher raises
/// for a named student of their classroom who has no device (`student_name`).
public struct HandRaiseRequest: ClientPayload {
    public static let type = "hand.raise"
    public var studentName: String?
    public var question: String?

    enum CodingKeys: String, CodingKey {
        case question
        case studentName = "student_name"
    }

    public init(studentName: String? = nil, question: String? = nil) {
        self.studentName = studentName
        self.question = question
    }
}

/// `hand.lower`: withdraws one hand (`hand_id`), or every hand the sender raised.
public struct HandLower: ClientPayload {
    public static let type = "hand.lower"
    public var handID: HandRaiseID?
    enum CodingKeys: String, CodingKey { case handID = "hand_id" }
    public init(handID: HandRaiseID? = nil) { self.handID = handID }
    public func validate() throws(ProtocolError) {
        if let handID { try Check.identifier(handID.rawValue, "hand_id") }
    }
}

/// `hand.dismiss`: the queue owner removes one hand.
public struct HandDismiss: ClientPayload {
    public static let type = "hand.dismiss"
    public var handID: HandRaiseID
    enum CodingKeys: String, CodingKey { case handID = "hand_id" }
    public init(handID: HandRaiseID) { self.handID = handID }
    public func validate() throws(ProtocolError) { try Check.identifier(handID.rawValue, "hand_id") }
}

/// `hand.dismiss_all`: the queue owner empties their queue. `classroom_id` absent: the queue
/// the sender owns (the lesson's for the hub teacher, their classroom's for a local teacher).
public struct HandDismissAll: ClientPayload {
    public static let type = "hand.dismiss_all"
    public var classroomID: ClassroomID?
    enum CodingKeys: String, CodingKey { case classroomID = "classroom_id" }
    public init(classroomID: ClassroomID? = nil) { self.classroomID = classroomID }
    public func validate() throws(ProtocolError) {
        if let classroomID { try Check.identifier(classroomID.rawValue, "classroom_id") }
    }
}

/// `floor.grant`: the queue owner gives the floor to a raised hand.
public struct FloorGrant: ClientPayload {
    public static let type = "floor.grant"
    public var handID: HandRaiseID
    public var withVideo: Bool

    enum CodingKeys: String, CodingKey {
        case handID = "hand_id"
        case withVideo = "with_video"
    }

    public init(handID: HandRaiseID, withVideo: Bool = false) {
        self.handID = handID
        self.withVideo = withVideo
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        handID = try c.decode(HandRaiseID.self, forKey: .handID)
        withVideo = try c.decodeIfPresent(Bool.self, forKey: .withVideo) ?? false
    }

    public func validate() throws(ProtocolError) { try Check.identifier(handID.rawValue, "hand_id") }
}

/// `floor.end`: the queue owner takes the floor back, or the speaker says they are done.
public struct FloorEnd: ClientPayload {
    public static let type = "floor.end"
    public init() {}
}

// MARK: - Chat (client → server)

/// `chat.send`: a chat message to the whole lesson, one classroom, or privately to a teacher
/// (a student names the teacher in `to`; a teacher answering names the student).
public struct ChatSend: ClientPayload {
    public static let type = "chat.send"
    public enum Scope: String, Codable, Sendable, Equatable {
        case lesson, classroom
        case privateThread = "private"
    }
    public var scope: Scope
    /// For `classroom`: which one (absent: the sender's own classroom).
    public var classroomID: ClassroomID?
    /// For `private`: the other side of the thread.
    public var to: ParticipantID?
    public var text: String

    enum CodingKeys: String, CodingKey {
        case scope, to, text
        case classroomID = "classroom_id"
    }

    public init(scope: Scope, classroomID: ClassroomID? = nil, to: ParticipantID? = nil, text: String) {
        self.scope = scope
        self.classroomID = classroomID
        self.to = to
        self.text = text
    }

    public func validate() throws(ProtocolError) {
        if let classroomID { try Check.identifier(classroomID.rawValue, "classroom_id") }
        if let to { try Check.identifier(to.rawValue, "to") }
        if scope == .privateThread && to == nil {
            throw ProtocolError(.invalidField, "a private message needs \"to\" (the other side of the thread)")
        }
    }
}

/// `chat.delete`: deletes a message (its sender, or a teacher who moderates its scope).
public struct ChatDelete: ClientPayload {
    public static let type = "chat.delete"
    public var messageID: ChatMessageID
    enum CodingKeys: String, CodingKey { case messageID = "message_id" }
    public init(messageID: ChatMessageID) { self.messageID = messageID }
    public func validate() throws(ProtocolError) { try Check.identifier(messageID.rawValue, "message_id") }
}

/// `chat.lock`: locks or unlocks chat for students. `classroom_id` absent: the lesson for the
/// hub teacher, the sender's own classroom for a local teacher.
public struct ChatLock: ClientPayload {
    public static let type = "chat.lock"
    public var classroomID: ClassroomID?
    public var locked: Bool

    enum CodingKeys: String, CodingKey {
        case locked
        case classroomID = "classroom_id"
    }

    public init(classroomID: ClassroomID? = nil, locked: Bool) {
        self.classroomID = classroomID
        self.locked = locked
    }

    public func validate() throws(ProtocolError) {
        if let classroomID { try Check.identifier(classroomID.rawValue, "classroom_id") }
    }
}

/// `chat.mute`: mutes a participant for `seconds` (1–3600); 0 unmutes.
public struct ChatMute: ClientPayload {
    public static let type = "chat.mute"
    public var participantID: ParticipantID
    public var seconds: Int

    enum CodingKeys: String, CodingKey {
        case seconds
        case participantID = "participant_id"
    }

    public init(participantID: ParticipantID, seconds: Int) {
        self.participantID = participantID
        self.seconds = seconds
    }

    public func validate() throws(ProtocolError) {
        try Check.identifier(participantID.rawValue, "participant_id")
        try Check.range(seconds, 0...3600, "seconds")
    }
}

/// `chat.history`: everything visible after `after_seq`, at most `limit` items (default 50).
public struct ChatHistoryRequest: ClientPayload {
    public static let type = "chat.history"
    public static let defaultLimit = 50
    public var afterSeq: Int64
    public var limit: Int

    enum CodingKeys: String, CodingKey {
        case limit
        case afterSeq = "after_seq"
    }

    public init(afterSeq: Int64, limit: Int = Self.defaultLimit) {
        self.afterSeq = afterSeq
        self.limit = limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        afterSeq = try c.decode(Int64.self, forKey: .afterSeq)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit) ?? Self.defaultLimit
    }

    public func validate() throws(ProtocolError) {
        try Check.range(afterSeq, 0...Int64.max, "after_seq")
        try Check.range(limit, 1...200, "limit")
    }
}

// MARK: - Polls (client → server)

/// `poll.start`: a teacher starts a poll (hub teacher: the lesson; local teacher: their classroom).
public struct PollStart: ClientPayload {
    public static let type = "poll.start"
    public var kind: PollKind
    public var question: String
    /// 2–10 options for choice polls; absent or empty for `scale`.
    public var options: [String]

    enum CodingKeys: String, CodingKey { case kind, question, options }

    public init(kind: PollKind, question: String, options: [String] = []) {
        self.kind = kind
        self.question = question
        self.options = options
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(PollKind.self, forKey: .kind)
        question = try c.decode(String.self, forKey: .question)
        options = try c.decodeIfPresent([String].self, forKey: .options) ?? []
    }
}

/// `poll.answer`: a student's answer, `{"options":[i…]}` or `{"value":n}`; a new one replaces it.
public struct PollAnswerRequest: ClientPayload {
    public static let type = "poll.answer"
    public var pollID: PollID
    public var choice: PollChoice

    enum CodingKeys: String, CodingKey {
        case choice
        case pollID = "poll_id"
    }

    public init(pollID: PollID, choice: PollChoice) {
        self.pollID = pollID
        self.choice = choice
    }

    public func validate() throws(ProtocolError) { try Check.identifier(pollID.rawValue, "poll_id") }
}

/// `poll.tally`: a local teacher's counts for the students of their classroom without devices.
public struct PollTally: ClientPayload {
    public static let type = "poll.tally"
    public var pollID: PollID
    public var counts: [Int]
    public var respondents: Int?

    enum CodingKeys: String, CodingKey {
        case counts, respondents
        case pollID = "poll_id"
    }

    public init(pollID: PollID, counts: [Int], respondents: Int? = nil) {
        self.pollID = pollID
        self.counts = counts
        self.respondents = respondents
    }

    public func validate() throws(ProtocolError) { try Check.identifier(pollID.rawValue, "poll_id") }
}

/// `poll.close`: closes a poll; the final results go to everyone who may see them.
public struct PollClose: ClientPayload {
    public static let type = "poll.close"
    public var pollID: PollID
    enum CodingKeys: String, CodingKey { case pollID = "poll_id" }
    public init(pollID: PollID) { self.pollID = pollID }
    public func validate() throws(ProtocolError) { try Check.identifier(pollID.rawValue, "poll_id") }
}

// MARK: - Screen share (client → server)

/// `share.start`: the current lead starts sharing their screen.
public struct ShareStart: ClientPayload {
    public static let type = "share.start"
    public init() {}
}

/// `share.stop`: stops the sender's share, or (the lead) the share in their scope, or withdraws
/// the sender's pending request.
public struct ShareStop: ClientPayload {
    public static let type = "share.stop"
    public init() {}
}

/// `share.request`: asks the current lead for permission to share.
public struct ShareRequestCommand: ClientPayload {
    public static let type = "share.request"
    public init() {}
}

/// `share.grant`: the lead grants a pending request.
public struct ShareGrant: ClientPayload {
    public static let type = "share.grant"
    public var participantID: ParticipantID
    enum CodingKeys: String, CodingKey { case participantID = "participant_id" }
    public init(participantID: ParticipantID) { self.participantID = participantID }
    public func validate() throws(ProtocolError) { try Check.identifier(participantID.rawValue, "participant_id") }
}

/// `share.refuse`: the lead refuses a pending request.
public struct ShareRefuse: ClientPayload {
    public static let type = "share.refuse"
    public var participantID: ParticipantID
    enum CodingKeys: String, CodingKey { case participantID = "participant_id" }
    public init(participantID: ParticipantID) { self.participantID = participantID }
    public func validate() throws(ProtocolError) { try Check.identifier(participantID.rawValue, "participant_id") }
}

// MARK: - Signalling (client → server)

/// `signal`: a WebRTC offer, answer or ICE candidate for one named participant of the lesson.
public struct SignalMessage: ClientPayload {
    public static let type = "signal"
    public var to: ParticipantID
    public var kind: SignalKind
    /// Opaque to the server (SDP or a JSON ICE candidate as a string).
    public var payload: String

    public init(to: ParticipantID, kind: SignalKind, payload: String) {
        self.to = to
        self.kind = kind
        self.payload = payload
    }

    public func validate() throws(ProtocolError) { try Check.identifier(to.rawValue, "to") }
}

// MARK: - Server → client

/// `hand.queue`: a hand-raise queue as the receiver may see it. `view: "owner"`: the teacher who
/// leads `scope` gets every waiting hand, first in line first (and the floor, if any).
/// `view: "raiser"`: the one who raised gets the places of their own hands (`mine`; empty when
/// none is waiting any more).
public struct HandQueueMessage: ServerMessage {
    public static let type = "hand.queue"
    public enum View: String, Codable, Sendable { case owner, raiser }
    public var view: View
    public var scope: InteractionScope?
    public var entries: [HandRaise]?
    public var floor: Floor?
    public var mine: [HandPosition]?

    public static func owner(_ scope: InteractionScope, entries: [HandRaise], floor: Floor?) -> HandQueueMessage {
        HandQueueMessage(view: .owner, scope: scope, entries: entries, floor: floor, mine: nil)
    }

    public static func raiser(_ mine: [HandPosition]) -> HandQueueMessage {
        HandQueueMessage(view: .raiser, scope: nil, entries: nil, floor: nil, mine: mine)
    }
}

/// `floor.state`: who has the floor in a scope. `floor` present: granted; absent: the floor is
/// free again and `ended` / `reason` say whose floor ended and why.
public struct FloorStateMessage: ServerMessage {
    public static let type = "floor.state"
    public var scope: InteractionScope
    public var floor: Floor?
    public var ended: Floor?
    public var reason: FloorEndReason?
    public var at: Instant

    public init(scope: InteractionScope, floor: Floor? = nil, ended: Floor? = nil, reason: FloorEndReason? = nil, at: Instant) {
        self.scope = scope
        self.floor = floor
        self.ended = ended
        self.reason = reason
        self.at = at
    }
}

/// `chat.message`: a new chat message, to everyone who may read its scope.
public struct ChatMessageBroadcast: ServerMessage {
    public static let type = "chat.message"
    public var message: ChatMessage
    public init(message: ChatMessage) { self.message = message }
}

/// `chat.deleted`: a message was deleted; remove it from the view.
public struct ChatDeletedMessage: ServerMessage {
    public static let type = "chat.deleted"
    public var deletion: ChatDeletion
    public init(deletion: ChatDeletion) { self.deletion = deletion }
}

/// `chat.history`: a page of chat history (the reply to `chat.history`, and the recent
/// messages right after `welcome`).
public struct ChatHistoryMessage: ServerMessage {
    public static let type = "chat.history"
    public var messages: [ChatMessage]
    public var deletions: [ChatDeletion]
    public var lastSeq: Int64
    public var hasMore: Bool

    enum CodingKeys: String, CodingKey {
        case messages, deletions
        case lastSeq = "last_seq"
        case hasMore = "has_more"
    }

    public init(page: ChatHistoryPage) {
        self.init(messages: page.messages, deletions: page.deletions, lastSeq: page.lastSeq, hasMore: page.hasMore)
    }

    public init(messages: [ChatMessage], deletions: [ChatDeletion], lastSeq: Int64, hasMore: Bool) {
        self.messages = messages
        self.deletions = deletions
        self.lastSeq = lastSeq
        self.hasMore = hasMore
    }
}

/// `chat.moderation`: chat was locked or unlocked in a scope (`lock`), or a participant was
/// muted or unmuted (`mute`).
public struct ChatModerationMessage: ServerMessage {
    public static let type = "chat.moderation"
    public var lock: ChatLockChange?
    public var mute: ChatMuteChange?
    public init(lock: ChatLockChange? = nil, mute: ChatMuteChange? = nil) {
        self.lock = lock
        self.mute = mute
    }
}

/// What every participant of a poll's scope may know about it (no answers).
public struct PollInfo: Codable, Equatable, Sendable {
    public var id: PollID
    public var kind: PollKind
    public var question: String
    public var options: [String]
    public var scope: InteractionScope
    public var createdBy: ParticipantID
    public var openedAt: Instant
    public var closedAt: Instant?

    enum CodingKeys: String, CodingKey {
        case id, kind, question, options, scope
        case createdBy = "created_by"
        case openedAt = "opened_at"
        case closedAt = "closed_at"
    }

    public init(_ poll: Poll) {
        id = poll.id
        kind = poll.kind
        question = poll.question
        options = poll.options
        scope = poll.scope
        createdBy = poll.createdBy
        openedAt = poll.openedAt
        closedAt = poll.closedAt
    }
}

/// `poll.started`: a poll the receiver may answer or follow.
public struct PollStartedMessage: ServerMessage {
    public static let type = "poll.started"
    public var poll: PollInfo
    public init(poll: PollInfo) { self.poll = poll }
}

/// `poll.results`: the live aggregate (teachers, supervisors) or the final results after close
/// (everyone of the poll's scope; students see the overall counts and their own classroom's).
public struct PollResultsMessage: ServerMessage {
    public static let type = "poll.results"
    public var poll: PollInfo
    public var results: PollAggregate
    public init(poll: PollInfo, results: PollAggregate) {
        self.poll = poll
        self.results = results
    }
}

/// `share.state`: the screen share of a scope started (`share`) or stopped (`stopped`, `reason`).
public struct ShareStateMessage: ServerMessage {
    public static let type = "share.state"
    public var scope: InteractionScope
    public var share: ScreenShare?
    public var stopped: ScreenShare?
    public var reason: ShareStopReason?
    public var at: Instant

    public init(scope: InteractionScope, share: ScreenShare? = nil, stopped: ScreenShare? = nil,
                reason: ShareStopReason? = nil, at: Instant) {
        self.scope = scope
        self.share = share
        self.stopped = stopped
        self.reason = reason
        self.at = at
    }
}

/// `share.request`: a request to share, for the lead who answers it and for the requester.
public struct ShareRequestUpdate: ServerMessage {
    public static let type = "share.request"
    /// A granted request is not reported here: the `share.state` that starts the requester's
    /// share (with `granted_by`) answers it.
    public enum Status: String, Codable, Sendable {
        case pending, refused, withdrawn
    }
    public var request: ShareRequest
    public var status: Status
    public var by: ParticipantID?

    public init(request: ShareRequest, status: Status, by: ParticipantID? = nil) {
        self.request = request
        self.status = status
        self.by = by
    }
}

/// `signal`: a relayed WebRTC message from `from`, unchanged.
public struct SignalRelayMessage: ServerMessage {
    public static let type = "signal"
    public var from: ParticipantID
    public var kind: SignalKind
    public var payload: String

    public init(from: ParticipantID, kind: SignalKind, payload: String) {
        self.from = from
        self.kind = kind
        self.payload = payload
    }
}

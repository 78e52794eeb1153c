import TirekCore

/// The chat of one lesson: the message log, locks, mutes and per-sender rate limits.
///
/// `post` checks, in this order (the first failure is returned, nothing changes, and no rate
/// token is used): scope rights (`ChatRules.resolveWrite`: `forbidden`, `not_found`), mute
/// (`chat_muted`), lock (`chat_locked`), text (`message_empty`, `message_too_long`), rate
/// (`rate_limited`).
///
/// Locks and mutes apply to non-teachers. A lock of the lesson stops every non-teacher from
/// writing lesson-wide and in classrooms; a lock of classroom `c` stops the non-teachers of `c`.
/// Private questions to a teacher stay open under a lock. A mute stops everything the muted
/// participant writes, private questions included, until its instant.
public struct Chat: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable, Codable {
        /// Maximum characters (grapheme clusters) after sanitising.
        public var maxLength: Int
        /// Input larger than this many UTF-8 bytes is refused before sanitising.
        public var maxRawBytes: Int
        public var maxConsecutiveNewlines: Int
        /// Token bucket: `rate_capacity` messages per `rate_window` per sender.
        public var rateCapacity: Int
        public var rateWindow: Millis

        public init(
            maxLength: Int = 500, maxRawBytes: Int = 8192, maxConsecutiveNewlines: Int = 2,
            rateCapacity: Int = 5, rateWindow: Millis = .seconds(10)
        ) {
            self.maxLength = maxLength
            self.maxRawBytes = maxRawBytes
            self.maxConsecutiveNewlines = maxConsecutiveNewlines
            self.rateCapacity = rateCapacity
            self.rateWindow = rateWindow
        }

        private enum CodingKeys: String, CodingKey {
            case maxLength = "max_length"
            case maxRawBytes = "max_raw_bytes"
            case maxConsecutiveNewlines = "max_consecutive_newlines"
            case rateCapacity = "rate_capacity"
            case rateWindow = "rate_window"
        }
    }

    public let configuration: Configuration
    /// Every message in `seq` order; deleted ones are kept as tombstones with empty text.
    public private(set) var messages: [ChatMessage] = []
    public private(set) var deletions: [ChatDeletion] = []
    public private(set) var deletedIDs: Set<ChatMessageID> = []
    public private(set) var lockedScopes: Set<InteractionScope> = []
    public private(set) var mutes: [ParticipantID: Instant] = [:]
    /// The last `seq` handed out (messages and deletions share the sequence).
    public private(set) var lastSeq: Int64
    private var rate: RateLimiter<ParticipantID>
    private var nextMessageNumber: Int

    /// - Parameter restoring: persisted messages of this lesson, to continue after a restart;
    ///   sequence numbers continue after the largest one.
    public init(configuration: Configuration = Configuration(), restoring: [ChatMessage] = []) {
        self.configuration = configuration
        self.rate = RateLimiter(capacity: configuration.rateCapacity, window: configuration.rateWindow)
        self.messages = restoring.sorted { $0.seq < $1.seq }
        self.lastSeq = self.messages.last?.seq ?? 0
        self.nextMessageNumber = self.messages.count + 1
        while self.messages.contains(where: { $0.id.rawValue == "m\(self.nextMessageNumber)" }) {
            self.nextMessageNumber += 1
        }
    }

    // MARK: Writing

    /// Posts a message; returns it with its server id, `seq` and effective scope. The I/O layer
    /// sends it to every participant for whom `ChatRules.visibleTo` holds, and persists it.
    public mutating func post(
        _ text: String, to scope: ChatScope, from sender: Participant, lead: Lead, at: Instant,
        lookup: (ParticipantID) -> Participant? = { _ in nil }
    ) throws -> ChatMessage {
        let effective = try ChatRules.resolveWrite(scope, by: sender, lead: lead, lookup: lookup)
        if let until = mutedUntil(sender.id, at: at) {
            throw Refusal(.chatMuted, "you are muted until \(until.millis) (in \((until - at).value) ms)")
        }
        if isLocked(effective, for: sender) {
            throw Refusal(.chatLocked, "the teacher has locked the chat")
        }
        guard text.utf8.count <= configuration.maxRawBytes else {
            throw Refusal(.chatMessageTooLong, "the message is longer than \(configuration.maxLength) characters")
        }
        let clean = TextSanitizer.sanitize(
            text, allowNewlines: true, maxConsecutiveNewlines: configuration.maxConsecutiveNewlines)
        guard !clean.isEmpty else { throw Refusal(.chatMessageEmpty, "the message is empty") }
        guard clean.count <= configuration.maxLength else {
            throw Refusal(.chatMessageTooLong, "the message is longer than \(configuration.maxLength) characters")
        }
        if let wait = rate.take(sender.id, at: at) {
            throw Refusal(.rateLimited, "too many messages; retry in \(wait.value) ms (retry_after_ms=\(wait.value))")
        }
        lastSeq += 1
        let message = ChatMessage(
            id: ChatMessageID("m\(nextMessageNumber)"), seq: lastSeq, scope: effective,
            senderID: sender.id, senderRole: sender.role, senderName: sender.displayName,
            senderClassroomID: sender.classroomID, text: clean, sentAt: at)
        nextMessageNumber += 1
        messages.append(message)
        return message
    }

    /// How long `sender` must wait before the next message is accepted; nil when allowed now.
    public func retryAfter(_ sender: ParticipantID, at: Instant) -> Millis? {
        rate.retryAfter(sender, at: at)
    }

    // MARK: Moderation

    /// Deletes a message (see `ChatRules.mayDelete`). The returned deletion has a new `seq` and
    /// goes to everyone who could see the message. The stored text is erased.
    public mutating func delete(_ id: ChatMessageID, by sender: Participant, at: Instant) throws -> ChatDeletion {
        guard let index = messages.firstIndex(where: { $0.id == id }), !deletedIDs.contains(id) else {
            throw Refusal(.notFound, "no message \(id)")
        }
        guard ChatRules.mayDelete(messages[index], by: sender) else {
            throw Refusal(.forbidden, "you may not delete this message")
        }
        lastSeq += 1
        let deletion = ChatDeletion(
            seq: lastSeq, messageID: id, messageSeq: messages[index].seq, scope: messages[index].scope,
            deletedBy: sender.id, deletedAt: at)
        messages[index].text = ""
        deletedIDs.insert(id)
        deletions.append(deletion)
        return deletion
    }

    public mutating func lock(_ scope: InteractionScope, by sender: Participant, at: Instant) throws -> ChatLockChange {
        try setLock(scope, locked: true, by: sender, at: at)
    }

    public mutating func unlock(_ scope: InteractionScope, by sender: Participant, at: Instant) throws -> ChatLockChange {
        try setLock(scope, locked: false, by: sender, at: at)
    }

    private mutating func setLock(_ scope: InteractionScope, locked: Bool, by sender: Participant, at: Instant) throws -> ChatLockChange {
        guard ChatRules.mayLock(scope, by: sender) else {
            throw Refusal(.forbidden, "only the hub teacher, or a local teacher for their classroom, may lock the chat")
        }
        if locked { lockedScopes.insert(scope) } else { lockedScopes.remove(scope) }
        return ChatLockChange(scope: scope, locked: locked, by: sender.id, at: at)
    }

    /// Mutes `target` until `until` (which must be after `at`).
    public mutating func mute(_ target: Participant, until: Instant, by sender: Participant, at: Instant) throws -> ChatMuteChange {
        guard ChatRules.mayMute(target, by: sender) else {
            throw Refusal(.forbidden, "you may not mute this participant")
        }
        guard until > at else { throw Refusal(.invalidValue, "the mute must end in the future") }
        mutes[target.id] = until
        return ChatMuteChange(participantID: target.id, until: until, by: sender.id, at: at)
    }

    public mutating func unmute(_ target: Participant, by sender: Participant, at: Instant) throws -> ChatMuteChange {
        guard ChatRules.mayMute(target, by: sender) else {
            throw Refusal(.forbidden, "you may not unmute this participant")
        }
        mutes[target.id] = nil
        return ChatMuteChange(participantID: target.id, until: nil, by: sender.id, at: at)
    }

    /// The end of `participant`'s mute if still muted at `at`.
    public func mutedUntil(_ participant: ParticipantID, at: Instant) -> Instant? {
        guard let until = mutes[participant], until > at else { return nil }
        return until
    }

    /// Whether a lock stops `sender` from writing to `scope` (teachers are never locked out;
    /// private threads are never locked).
    public func isLocked(_ scope: ChatScope, for sender: Participant) -> Bool {
        if sender.role.isTeacher { return false }
        if case .privateThread = scope { return false }
        if lockedScopes.contains(.lesson) { return true }
        if let own = sender.classroomID, lockedScopes.contains(.classroom(own)) { return true }
        if case .classroom(let id) = scope, lockedScopes.contains(.classroom(id)) { return true }
        return false
    }

    // MARK: History

    /// Everything after `after` that `participant` may see, oldest first, at most `limit` items
    /// (messages and deletions together). See `ChatHistoryPage`.
    public func history(after: Int64, for participant: Participant, limit: Int = 100) -> ChatHistoryPage {
        enum Item { case message(ChatMessage), deletion(ChatDeletion) }
        var items: [(seq: Int64, item: Item)] = []
        for message in messages where message.seq > after && !deletedIDs.contains(message.id)
            && ChatRules.visibleTo(message, participant)
        {
            items.append((message.seq, .message(message)))
        }
        for deletion in deletions where deletion.seq > after && deletion.messageSeq <= after
            && ChatRules.mayRead(deletion.scope, participant)
        {
            items.append((deletion.seq, .deletion(deletion)))
        }
        items.sort { $0.seq < $1.seq }
        let limit = max(0, limit)
        let hasMore = items.count > limit
        let page = items.prefix(limit)
        var result = ChatHistoryPage(
            messages: [], deletions: [], lastSeq: hasMore ? (page.last?.seq ?? after) : max(after, lastSeq),
            hasMore: hasMore)
        for entry in page {
            switch entry.item {
            case .message(let m): result.messages.append(m)
            case .deletion(let d): result.deletions.append(d)
            }
        }
        return result
    }

    /// The last `limit` visible, not deleted messages, oldest first: what a client gets on join.
    public func recent(for participant: Participant, limit: Int = 50) -> [ChatMessage] {
        Array(messages.filter { !deletedIDs.contains($0.id) && ChatRules.visibleTo($0, participant) }
            .suffix(max(0, limit)))
    }
}

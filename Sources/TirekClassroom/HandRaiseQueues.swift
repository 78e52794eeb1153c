import TirekCore

/// The server-ordered hand-raise queues of one lesson, and the floor of each scope.
///
/// There is one queue per lead: the lesson queue (owned by the hub teacher) while the hub leads,
/// and one queue per classroom (owned by that classroom's local teacher) while local teachers
/// lead. The caller says which side leads on every raise; `phaseChanged(newLead:at:)` must be
/// called when the lead changes.
///
/// Who may do what:
/// - raise: a student for themselves (`.participant(own id)`); a classroom screen or local
///   teacher for a named student of their own classroom (`.named`). Never observers, assistants,
///   admins or the hub teacher; never into a queue the sender owns.
/// - lower: the device that raised it, or any classroom screen / local teacher of the classroom
///   of a named student.
/// - dismiss, dismiss-all, grant, take back: only the owner of the queue's scope.
/// - finish: the speaker's device (or, for a named student, the classroom's screen / local teacher).
/// Every refused command leaves the state unchanged.
public struct HandRaiseQueues: Sendable, Equatable, Codable {
    /// What happens to waiting hands when the lead changes.
    public enum PhaseChangePolicy: String, Sendable, Codable, Hashable {
        /// Default: every waiting hand is removed (`cleared`); the new lead starts with empty queues.
        case clearAll = "clear_all"
        /// Hands are re-routed to the new lead's queue keeping raise order (`moved`); hands that
        /// have no queue under the new lead (no classroom under a local lead) are cleared.
        case carryOver = "carry_over"
    }

    public struct Configuration: Sendable, Equatable, Codable {
        /// How long a disconnected raiser keeps their place.
        public var reconnectGrace: Millis
        public var phaseChange: PhaseChangePolicy
        /// Maximum characters of a question text (after sanitising).
        public var maxQuestionLength: Int
        /// Maximum characters of a named student's name.
        public var maxNameLength: Int

        public init(
            reconnectGrace: Millis = .seconds(60), phaseChange: PhaseChangePolicy = .clearAll,
            maxQuestionLength: Int = 300, maxNameLength: Int = 100
        ) {
            self.reconnectGrace = reconnectGrace
            self.phaseChange = phaseChange
            self.maxQuestionLength = maxQuestionLength
            self.maxNameLength = maxNameLength
        }

        private enum CodingKeys: String, CodingKey {
            case reconnectGrace = "reconnect_grace"
            case phaseChange = "phase_change"
            case maxQuestionLength = "max_question_length"
            case maxNameLength = "max_name_length"
        }
    }

    public private(set) var configuration: Configuration
    /// Every waiting hand of every queue, in raise order.
    public private(set) var entries: [HandRaise] = []
    /// At most one floor per scope.
    public private(set) var floors: [Floor] = []
    /// Everything that happened, for the lesson report.
    public private(set) var history: [HandRaiseRecord] = []
    private var nextID: Int = 1

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    private enum CodingKeys: String, CodingKey {
        case configuration, entries, floors, history
        case nextID = "next_id"
    }

    // MARK: Reading

    /// The queue of `scope`, first in line first.
    public func queue(_ scope: InteractionScope) -> [HandRaise] {
        entries.filter { $0.scope == scope }
    }

    /// 1-based place of an entry in its queue.
    public func position(of id: HandRaiseID) -> Int? {
        guard let entry = entries.first(where: { $0.id == id }) else { return nil }
        return queue(entry.scope).firstIndex { $0.id == id }.map { $0 + 1 }
    }

    /// The places of every hand `participant` raised (a classroom may have raised several).
    public func positions(for participant: ParticipantID) -> [HandPosition] {
        entries.filter { $0.raisedBy == participant }.map { entry in
            let q = queue(entry.scope)
            let index = q.firstIndex { $0.id == entry.id } ?? 0
            return HandPosition(
                entryID: entry.id, scope: entry.scope, subject: entry.subject,
                position: index + 1, queueLength: q.count)
        }
    }

    public func floor(in scope: InteractionScope) -> Floor? {
        floors.first { $0.scope == scope }
    }

    /// Report: hands raised / with a question / floors granted per classroom, sorted by
    /// classroom id, students without a classroom last. Only classrooms with activity appear.
    public func classroomStats() -> [ClassroomHandStats] {
        var byClassroom: [ClassroomID?: ClassroomHandStats] = [:]
        for record in history {
            var stats = byClassroom[record.classroomID]
                ?? ClassroomHandStats(classroomID: record.classroomID, raised: 0, withQuestion: 0, granted: 0)
            switch record.kind {
            case .raised:
                stats.raised += 1
                if record.hadQuestion { stats.withQuestion += 1 }
            case .granted:
                stats.granted += 1
            default:
                continue
            }
            byClassroom[record.classroomID] = stats
        }
        return byClassroom.values.sorted { a, b in
            switch (a.classroomID, b.classroomID) {
            case let (x?, y?): x < y
            case (.some, .none): true
            default: false
            }
        }
    }

    // MARK: Raising and lowering

    /// Raises a hand. Idempotent: raising the same subject again in the same queue keeps the
    /// first place and question (`alreadyRaised`); a raiser who was disconnected is marked back.
    public mutating func raise(
        _ subject: HandSubject, question: String? = nil, by sender: Participant, lead: Lead, at: Instant
    ) throws -> [HandRaiseEvent] {
        let classroomID: ClassroomID?
        var subject = subject
        switch subject {
        case .participant(let id):
            guard sender.role == .student else {
                throw Refusal(.forbidden, "only a student raises a hand for themselves; "
                    + "a classroom raises for a named student without a device")
            }
            guard id == sender.id else {
                throw Refusal(.forbidden, "a student may raise a hand only for themselves")
            }
            classroomID = sender.classroomID
        case .named(let name, let classroom):
            guard sender.role == .classroom || sender.role == .localTeacher else {
                throw Refusal(.forbidden, "only a classroom screen or local teacher raises for a named student")
            }
            guard sender.classroomID == classroom else {
                throw Refusal(.forbidden, "a classroom raises hands only for its own students")
            }
            let clean = TextSanitizer.sanitize(name, allowNewlines: false)
            guard !clean.isEmpty else {
                throw Refusal(.invalidValue, "the student's name is empty")
            }
            guard clean.count <= configuration.maxNameLength else {
                throw Refusal(.chatMessageTooLong, "the student's name is longer than \(configuration.maxNameLength) characters")
            }
            subject = .named(name: clean, classroomID: classroom)
            classroomID = classroom
        }
        guard let scope = InteractionScope.routed(lead: lead, classroomID: classroomID) else {
            throw Refusal(.invalidState, "local teachers lead now and this student has no classroom queue")
        }
        guard !scope.isLed(by: sender) else {
            throw Refusal(.forbidden, "you lead this queue")
        }
        var cleanQuestion: String?
        if let question {
            let clean = TextSanitizer.sanitize(question, allowNewlines: false)
            guard clean.count <= configuration.maxQuestionLength else {
                throw Refusal(.chatMessageTooLong, "the question is longer than \(configuration.maxQuestionLength) characters")
            }
            cleanQuestion = clean.isEmpty ? nil : clean
        }

        let key = subject.key
        if let index = entries.firstIndex(where: { $0.scope == scope && $0.subject.key == key }) {
            if entries[index].raisedBy == sender.id { entries[index].disconnectedAt = nil }
            let entry = entries[index]
            return [.alreadyRaised(entry, position: position(of: entry.id) ?? 0)]
        }
        let entry = HandRaise(
            id: HandRaiseID("h\(nextID)"), scope: scope, subject: subject, raisedBy: sender.id,
            raisedByRole: sender.role, classroomID: classroomID, question: cleanQuestion, raisedAt: at)
        nextID += 1
        entries.append(entry)
        record(.raised, entry, by: sender.id, at: at)
        return [.raised(entry, position: queue(scope).count)]
    }

    /// Lowers (withdraws) a hand: by the device that raised it, or for a named student by any
    /// screen / local teacher of that classroom.
    public mutating func lower(_ id: HandRaiseID, by sender: Participant, at: Instant) throws -> [HandRaiseEvent] {
        let index = try indexOf(id)
        let entry = entries[index]
        var allowed = entry.raisedBy == sender.id
        if case .named(_, let classroom) = entry.subject,
            sender.role == .classroom || sender.role == .localTeacher, sender.classroomID == classroom
        {
            allowed = true
        }
        guard allowed else { throw Refusal(.forbidden, "only the one who raised this hand may lower it") }
        entries.remove(at: index)
        record(.lowered, entry, by: sender.id, at: at)
        return [.lowered(entry)]
    }

    // MARK: The queue owner's commands

    /// Removes one hand from the owner's queue.
    public mutating func dismiss(_ id: HandRaiseID, by sender: Participant, at: Instant) throws -> [HandRaiseEvent] {
        let index = try indexOf(id)
        let entry = entries[index]
        try requireOwner(sender, of: entry.scope)
        entries.remove(at: index)
        record(.dismissed, entry, by: sender.id, at: at)
        return [.dismissed(entry)]
    }

    /// Empties the owner's queue (the floor, if any, stays).
    public mutating func dismissAll(in scope: InteractionScope, by sender: Participant, at: Instant) throws -> [HandRaiseEvent] {
        try requireOwner(sender, of: scope)
        let removed = queue(scope)
        entries.removeAll { $0.scope == scope }
        for entry in removed { record(.dismissed, entry, by: sender.id, at: at) }
        return removed.map { .dismissed($0) }
    }

    /// Grants the floor: the entry leaves the queue and its speaker's media is relayed to
    /// everyone. A previous floor holder of the scope is replaced. A hand whose raiser is
    /// disconnected cannot be granted.
    public mutating func grant(
        _ id: HandRaiseID, withVideo: Bool = false, by sender: Participant, at: Instant
    ) throws -> [HandRaiseEvent] {
        let index = try indexOf(id)
        let entry = entries[index]
        try requireOwner(sender, of: entry.scope)
        guard entry.disconnectedAt == nil else {
            throw Refusal(.invalidState, "the raiser is disconnected")
        }
        var events: [HandRaiseEvent] = []
        if let previous = endFloor(in: entry.scope, reason: .replaced, by: sender.id, at: at) {
            events.append(previous)
        }
        entries.remove(at: index)
        let floor = Floor(
            scope: entry.scope, entry: entry, speaker: entry.raisedBy, withVideo: withVideo,
            grantedBy: sender.id, grantedAt: at)
        floors.append(floor)
        record(.granted, entry, by: sender.id, at: at)
        events.append(.floorGranted(floor))
        return events
    }

    /// The owner takes the floor back.
    public mutating func takeFloorBack(in scope: InteractionScope, by sender: Participant, at: Instant) throws -> [HandRaiseEvent] {
        try requireOwner(sender, of: scope)
        guard let event = endFloor(in: scope, reason: .takenBack, by: sender.id, at: at) else {
            throw Refusal(.invalidState, "nobody has the floor")
        }
        return [event]
    }

    /// The speaker says they are done.
    public mutating func finishFloor(by sender: Participant, at: Instant) throws -> [HandRaiseEvent] {
        let held = floors.filter { floor in
            if floor.speaker == sender.id { return true }
            if case .named(_, let classroom) = floor.entry.subject,
                sender.role == .classroom || sender.role == .localTeacher, sender.classroomID == classroom
            {
                return true
            }
            return false
        }
        guard !held.isEmpty else { throw Refusal(.invalidState, "you do not have the floor") }
        return held.compactMap { endFloor(in: $0.scope, reason: .finished, by: sender.id, at: at) }
    }

    // MARK: Connections and phases

    /// The participant's connection dropped: their hands are kept for the grace period; a floor
    /// they speak on ends at once.
    public mutating func disconnected(_ participant: ParticipantID, at: Instant) -> [HandRaiseEvent] {
        for index in entries.indices where entries[index].raisedBy == participant && entries[index].disconnectedAt == nil {
            entries[index].disconnectedAt = at
        }
        return floors.filter { $0.speaker == participant }
            .compactMap { endFloor(in: $0.scope, reason: .speakerDisconnected, by: nil, at: at) }
    }

    /// The participant is back: hands still within the grace period keep their place
    /// (`reconnected`); hands past it are removed (`expired`).
    public mutating func reconnected(_ participant: ParticipantID, at: Instant) -> [HandRaiseEvent] {
        var events = removeStale(at: at) { $0.raisedBy == participant }
        for index in entries.indices where entries[index].raisedBy == participant {
            entries[index].disconnectedAt = nil
        }
        for entry in entries where entry.raisedBy == participant {
            events.append(.reconnected(entry, position: position(of: entry.id) ?? 0))
        }
        return events
    }

    /// Removes hands whose raiser has been disconnected for at least the grace period
    /// (`at >= disconnected_at + reconnect_grace`).
    public mutating func expire(at: Instant) -> [HandRaiseEvent] {
        removeStale(at: at) { _ in true }
    }

    private mutating func removeStale(at: Instant, where include: (HandRaise) -> Bool) -> [HandRaiseEvent] {
        let grace = configuration.reconnectGrace
        let stale = entries.filter { entry in
            guard include(entry), let since = entry.disconnectedAt else { return false }
            return at >= since + grace
        }
        guard !stale.isEmpty else { return [] }
        let ids = Set(stale.map(\.id))
        entries.removeAll { ids.contains($0.id) }
        for entry in stale { record(.expired, entry, by: nil, at: at) }
        return stale.map { .expired($0) }
    }

    /// The lead changed: every floor ends and waiting hands are cleared or re-routed per
    /// `configuration.phaseChange`.
    public mutating func phaseChanged(newLead: Lead, at: Instant) -> [HandRaiseEvent] {
        var events = floors.map(\.scope).compactMap {
            endFloor(in: $0, reason: .phaseChanged, by: nil, at: at)
        }
        var kept: [HandRaise] = []
        for var entry in entries {
            let target: InteractionScope? = switch configuration.phaseChange {
            case .clearAll: nil
            case .carryOver: InteractionScope.routed(lead: newLead, classroomID: entry.classroomID)
            }
            guard let target else {
                record(.cleared, entry, by: nil, at: at)
                events.append(.cleared(entry))
                continue
            }
            if target != entry.scope {
                let from = entry.scope
                entry.scope = target
                record(.moved, entry, by: nil, at: at)
                events.append(.moved(entry, from: from))
            }
            kept.append(entry)
        }
        entries = kept
        return events
    }

    // MARK: Helpers

    private func indexOf(_ id: HandRaiseID) throws -> Int {
        guard let index = entries.firstIndex(where: { $0.id == id }) else {
            throw Refusal(.notFound, "no raised hand \(id)")
        }
        return index
    }

    private func requireOwner(_ sender: Participant, of scope: InteractionScope) throws {
        guard scope.isLed(by: sender) else {
            throw Refusal(.forbidden, "only the teacher who leads the \(scope) queue may do this")
        }
    }

    private mutating func endFloor(
        in scope: InteractionScope, reason: FloorEndReason, by: ParticipantID?, at: Instant
    ) -> HandRaiseEvent? {
        guard let index = floors.firstIndex(where: { $0.scope == scope }) else { return nil }
        let floor = floors.remove(at: index)
        record(.floorEnded, floor.entry, by: by, at: at)
        return .floorEnded(floor, reason)
    }

    private mutating func record(_ kind: HandRaiseRecord.Kind, _ entry: HandRaise, by: ParticipantID?, at: Instant) {
        history.append(HandRaiseRecord(
            kind: kind, entryID: entry.id, scope: entry.scope, subject: entry.subject,
            classroomID: entry.classroomID, by: by, at: at, hadQuestion: entry.question != nil))
    }
}

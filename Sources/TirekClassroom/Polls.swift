import TirekCore

/// The polls and quick checks of one lesson.
///
/// - start: the hub teacher (scope: lesson) or a local teacher (scope: their classroom).
/// - answer: students only, of the poll's scope; one answer per student, a new one replaces it.
/// - tally: a local teacher for their own classroom (lesson polls, or their classroom's poll);
///   counts for the students without devices; a new tally replaces the classroom's previous one.
/// - close: the poll's creator or the leader of its scope. A closed poll refuses answers and
///   tallies (`poll_closed`).
/// - results: see `results(_:for:)`.
public struct Polls: Sendable, Equatable, Codable {
    public struct Limits: Sendable, Equatable, Codable {
        public var maxQuestionLength = 300
        public var maxOptionLength = 100
        public var optionCount = 2...10
        /// Upper bound of one tally count (a sanity check against typos).
        public var maxTallyCount = 500

        public init() {}

        private enum CodingKeys: String, CodingKey {
            case maxQuestionLength = "max_question_length"
            case maxOptionLength = "max_option_length"
            case optionCount = "option_count"
            case maxTallyCount = "max_tally_count"
        }
    }

    public var limits: Limits
    /// Every poll of the lesson, in start order.
    public private(set) var polls: [Poll] = []
    private var nextID = 1

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    private enum CodingKeys: String, CodingKey {
        case limits, polls
        case nextID = "next_id"
    }

    public func poll(_ id: PollID) -> Poll? {
        polls.first { $0.id == id }
    }

    // MARK: Commands

    public mutating func start(
        _ kind: PollKind, question: String, options: [String] = [], by sender: Participant, at: Instant
    ) throws -> Poll {
        let scope: InteractionScope
        switch sender.role {
        case .hubTeacher:
            scope = .lesson
        case .localTeacher:
            guard let own = sender.classroomID else {
                throw Refusal(.invalidState, "a local teacher without a classroom cannot start a poll")
            }
            scope = .classroom(own)
        default:
            throw Refusal(.forbidden, "only teachers start polls")
        }
        let cleanQuestion = TextSanitizer.sanitize(question, allowNewlines: false)
        guard !cleanQuestion.isEmpty else { throw Refusal(.invalidValue, "the question is empty") }
        guard cleanQuestion.count <= limits.maxQuestionLength else {
            throw Refusal(.chatMessageTooLong, "the question is longer than \(limits.maxQuestionLength) characters")
        }
        var cleanOptions: [String] = []
        if kind == .scale {
            guard options.isEmpty else { throw Refusal(.invalidValue, "a 1–10 scale has no options") }
        } else {
            guard limits.optionCount.contains(options.count) else {
                throw Refusal(.invalidValue, "a choice poll has \(limits.optionCount.lowerBound)–\(limits.optionCount.upperBound) options")
            }
            for option in options {
                let clean = TextSanitizer.sanitize(option, allowNewlines: false)
                guard !clean.isEmpty else { throw Refusal(.invalidValue, "an option is empty") }
                guard clean.count <= limits.maxOptionLength else {
                    throw Refusal(.chatMessageTooLong, "an option is longer than \(limits.maxOptionLength) characters")
                }
                guard !cleanOptions.contains(where: { $0.lowercased() == clean.lowercased() }) else {
                    throw Refusal(.invalidValue, "option \"\(clean)\" appears twice")
                }
                cleanOptions.append(clean)
            }
        }
        let poll = Poll(
            id: PollID("p\(nextID)"), kind: kind, question: cleanQuestion, options: cleanOptions,
            scope: scope, createdBy: sender.id, openedAt: at, closedAt: nil, answers: [], tallies: [])
        nextID += 1
        polls.append(poll)
        return poll
    }

    /// A student's answer; replaces their previous answer.
    public mutating func answer(_ id: PollID, _ choice: PollChoice, by sender: Participant, at: Instant) throws -> PollAnswer {
        let index = try indexOf(id)
        let poll = polls[index]
        guard sender.role == .student else { throw Refusal(.forbidden, "only students answer polls") }
        if case .classroom(let c) = poll.scope, sender.classroomID != c {
            throw Refusal(.forbidden, "this poll is for another classroom")
        }
        guard poll.isOpen else { throw Refusal(.pollClosed, "the poll is closed") }
        let normalised = try validate(choice, for: poll)
        let answer = PollAnswer(participantID: sender.id, classroomID: sender.classroomID, choice: normalised, answeredAt: at)
        if let existing = poll.answers.firstIndex(where: { $0.participantID == sender.id }) {
            polls[index].answers[existing] = answer
        } else {
            polls[index].answers.append(answer)
        }
        return answer
    }

    /// A local teacher's tally for their classroom's students without devices. `respondents`
    /// may be omitted except for multiple choice, where it must lie between the largest count
    /// and the sum of counts.
    public mutating func tally(
        _ id: PollID, counts: [Int], respondents: Int? = nil, by sender: Participant, at: Instant
    ) throws -> ClassroomTally {
        let index = try indexOf(id)
        let poll = polls[index]
        guard sender.role == .localTeacher, let classroom = sender.classroomID else {
            throw Refusal(.forbidden, "only a local teacher enters a classroom tally")
        }
        if case .classroom(let c) = poll.scope, c != classroom {
            throw Refusal(.forbidden, "this poll is for another classroom")
        }
        guard poll.isOpen else { throw Refusal(.pollClosed, "the poll is closed") }
        guard counts.count == poll.slotCount else {
            throw Refusal(.invalidValue, "a tally has \(poll.slotCount) counts")
        }
        guard counts.allSatisfy({ (0...limits.maxTallyCount).contains($0) }) else {
            throw Refusal(.invalidValue, "each count is between 0 and \(limits.maxTallyCount)")
        }
        let sum = counts.reduce(0, +)
        let students: Int
        if poll.kind == .multipleChoice {
            guard let respondents else {
                throw Refusal(.invalidValue, "a multiple-choice tally says how many students answered")
            }
            guard respondents >= (counts.max() ?? 0), respondents <= sum else {
                throw Refusal(.invalidValue, "respondents must lie between the largest count and the sum of counts")
            }
            students = respondents
        } else {
            if let respondents, respondents != sum {
                throw Refusal(.invalidValue, "respondents must equal the sum of counts")
            }
            students = sum
        }
        let tally = ClassroomTally(classroomID: classroom, counts: counts, respondents: students, enteredBy: sender.id, enteredAt: at)
        if let existing = poll.tallies.firstIndex(where: { $0.classroomID == classroom }) {
            polls[index].tallies[existing] = tally
        } else {
            polls[index].tallies.append(tally)
        }
        return tally
    }

    /// Closes the poll; returns the final aggregate (now visible to the poll's students).
    public mutating func close(_ id: PollID, by sender: Participant, at: Instant) throws -> PollAggregate {
        let index = try indexOf(id)
        let poll = polls[index]
        guard sender.id == poll.createdBy || poll.scope.isLed(by: sender) else {
            throw Refusal(.forbidden, "only the teacher who started the poll closes it")
        }
        guard poll.isOpen else { throw Refusal(.pollClosed, "the poll is already closed") }
        polls[index].closedAt = at
        return Self.aggregate(polls[index])
    }

    // MARK: Results

    /// The full aggregate, for the lesson report.
    public func aggregate(_ id: PollID) throws -> PollAggregate {
        Self.aggregate(polls[try indexOf(id)])
    }

    /// What `viewer` may see of a poll's results (see `PollResultsView.results(for:)`).
    /// The viewer's right is checked before the aggregate is computed: a student who joins during
    /// an open poll costs no aggregation.
    public func results(_ id: PollID, for viewer: Participant) throws -> PollAggregate {
        let poll = polls[try indexOf(id)]
        let access = try PollResultsView.access(to: poll, for: viewer)
        return PollResultsView(poll: poll, full: Self.aggregate(poll)).results(access)
    }

    /// A poll's results with the aggregate computed once, for showing to many viewers.
    public func resultsView(_ id: PollID) throws -> PollResultsView {
        let poll = polls[try indexOf(id)]
        return PollResultsView(poll: poll, full: Self.aggregate(poll))
    }

    // MARK: Helpers

    private func indexOf(_ id: PollID) throws -> Int {
        guard let index = polls.firstIndex(where: { $0.id == id }) else {
            throw Refusal(.notFound, "no poll \(id)")
        }
        return index
    }

    private func validate(_ choice: PollChoice, for poll: Poll) throws -> PollChoice {
        switch (poll.kind, choice) {
        case (.scale, .value(let v)):
            guard (1...10).contains(v) else { throw Refusal(.invalidValue, "the scale runs from 1 to 10") }
            return choice
        case (.singleChoice, .options(let picked)):
            guard picked.count == 1, poll.options.indices.contains(picked[0]) else {
                throw Refusal(.invalidValue, "pick exactly one of the \(poll.options.count) options")
            }
            return choice
        case (.multipleChoice, .options(let picked)):
            let set = Set(picked)
            guard !set.isEmpty, set.allSatisfy(poll.options.indices.contains) else {
                throw Refusal(.invalidValue, "pick one or more of the \(poll.options.count) options")
            }
            return .options(set.sorted())
        default:
            throw Refusal(.invalidValue, poll.kind == .scale ? "answer with a value" : "answer with options")
        }
    }

    static func aggregate(_ poll: Poll) -> PollAggregate {
        var groups: [ClassroomID?: PollCounts] = [:]
        let empty = PollCounts(
            counts: Array(repeating: 0, count: poll.slotCount), respondents: 0, deviceRespondents: 0,
            talliedRespondents: 0, scaleSum: nil, mean: nil)
        var overall = empty
        func add(_ slots: [Int], device: Bool, students: Int, to group: ClassroomID?) {
            for target in [0, 1] {
                var counts = target == 0 ? (groups[group] ?? empty) : overall
                for slot in slots.indices { counts.counts[slot] += slots[slot] }
                counts.respondents += students
                if device { counts.deviceRespondents += students } else { counts.talliedRespondents += students }
                if target == 0 { groups[group] = counts } else { overall = counts }
            }
        }
        for answer in poll.answers {
            var slots = Array(repeating: 0, count: poll.slotCount)
            switch answer.choice {
            case .options(let picked): for i in picked { slots[i] += 1 }
            case .value(let v): slots[v - 1] += 1
            }
            add(slots, device: true, students: 1, to: answer.classroomID)
        }
        for tally in poll.tallies {
            add(tally.counts, device: false, students: tally.respondents, to: tally.classroomID)
        }
        func finish(_ c: PollCounts) -> PollCounts {
            guard poll.kind == .scale else { return c }
            var c = c
            let sum = c.counts.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
            c.scaleSum = sum
            c.mean = c.respondents > 0 ? Double(sum) / Double(c.respondents) : nil
            return c
        }
        let classrooms = groups.map { ClassroomPollCounts(classroomID: $0.key, counts: finish($0.value)) }
            .sorted { a, b in
                switch (a.classroomID, b.classroomID) {
                case let (x?, y?): x < y
                case (.some, .none): true
                default: false
                }
            }
        return PollAggregate(pollID: poll.id, kind: poll.kind, isOpen: poll.isOpen, overall: finish(overall), classrooms: classrooms)
    }
}

/// One poll's aggregate, computed once, and what each viewer may see of it.
public struct PollResultsView: Sendable {
    let poll: Poll
    let full: PollAggregate

    /// What `viewer` may see of the results:
    /// - hub teacher, admin, observer: the full live aggregate, any time;
    /// - local teacher: the full live aggregate of lesson polls and of their classroom's polls;
    /// - students, classroom screens, assistants of the poll's scope: after close only
    ///   (`results_hidden` before), the overall counts and their own classroom's counts only.
    /// Anyone else: `forbidden`.
    public func results(for viewer: Participant) throws -> PollAggregate {
        results(try Self.access(to: poll, for: viewer))
    }

    /// How much of a poll's results a viewer may see.
    public enum Access: Sendable {
        case full
        case overallAndOwnClassroom(ClassroomID?)
    }

    public static func access(to poll: Poll, for viewer: Participant) throws -> Access {
        switch viewer.role {
        case .hubTeacher, .admin, .observer:
            return .full
        case .localTeacher:
            if case .classroom(let c) = poll.scope, viewer.classroomID != c {
                throw Refusal(.forbidden, "this poll is for another classroom")
            }
            return .full
        case .student, .classroom, .assistant:
            if case .classroom(let c) = poll.scope, viewer.classroomID != c {
                throw Refusal(.forbidden, "this poll is for another classroom")
            }
            guard !poll.isOpen else {
                throw Refusal(.pollResultsHidden, "results are shown when the teacher closes the poll")
            }
            return .overallAndOwnClassroom(viewer.classroomID)
        }
    }

    public func results(_ access: Access) -> PollAggregate {
        switch access {
        case .full:
            return full
        case .overallAndOwnClassroom(let classroom):
            var limited = full
            limited.classrooms = full.classrooms.filter { $0.classroomID != nil && $0.classroomID == classroom }
            return limited
        }
    }
}

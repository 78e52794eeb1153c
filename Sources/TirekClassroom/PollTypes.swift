import TirekCore

/// Server id of a poll, e.g. `"p3"`; unique within a lesson.
public struct PollID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

public enum PollKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Exactly one of 2–10 options.
    case singleChoice = "single_choice"
    /// One or more of 2–10 options.
    case multipleChoice = "multiple_choice"
    /// A self-assessment from 1 to 10 (no options).
    case scale
}

/// One student's answer. JSON: `{"options":[0,2]}` (0-based option indices) or `{"value":7}` (scale).
public enum PollChoice: Hashable, Sendable, Codable {
    case options([Int])
    case value(Int)

    private enum CodingKeys: String, CodingKey { case options, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let options = try c.decodeIfPresent([Int].self, forKey: .options) {
            self = .options(options)
        } else {
            self = .value(try c.decode(Int.self, forKey: .value))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .options(let options): try c.encode(options, forKey: .options)
        case .value(let value): try c.encode(value, forKey: .value)
        }
    }
}

public struct PollAnswer: Hashable, Sendable, Codable {
    public var participantID: ParticipantID
    /// The student's classroom when they answered; nil for a student without a classroom.
    public var classroomID: ClassroomID?
    /// Normalised: option indices sorted and distinct.
    public var choice: PollChoice
    public var answeredAt: Instant

    private enum CodingKeys: String, CodingKey {
        case choice
        case participantID = "participant_id"
        case classroomID = "classroom_id"
        case answeredAt = "answered_at"
    }
}

/// Counts a local teacher entered for the students of their classroom without devices.
public struct ClassroomTally: Hashable, Sendable, Codable {
    public var classroomID: ClassroomID
    /// Per option (scale: index 0 is value 1, ..., index 9 is value 10).
    public var counts: [Int]
    /// Students counted. Equals the sum of counts except for multiple choice.
    public var respondents: Int
    public var enteredBy: ParticipantID
    public var enteredAt: Instant

    private enum CodingKeys: String, CodingKey {
        case counts, respondents
        case classroomID = "classroom_id"
        case enteredBy = "entered_by"
        case enteredAt = "entered_at"
    }
}

/// A poll with every answer and tally: the stored record for the lesson report.
public struct Poll: Hashable, Sendable, Codable {
    public var id: PollID
    public var kind: PollKind
    public var question: String
    /// 2–10 options for choice polls; empty for `scale`.
    public var options: [String]
    /// The lesson (hub teacher's poll) or one classroom (a local teacher's poll).
    public var scope: InteractionScope
    public var createdBy: ParticipantID
    public var openedAt: Instant
    public var closedAt: Instant?
    /// One per student, latest answer wins; in first-answer order.
    public var answers: [PollAnswer]
    /// One per classroom, latest tally wins.
    public var tallies: [ClassroomTally]

    public var isOpen: Bool { closedAt == nil }
    /// How many counts each aggregate has: options, or 10 for a scale.
    public var slotCount: Int { kind == .scale ? 10 : options.count }

    private enum CodingKeys: String, CodingKey {
        case id, kind, question, options, scope, answers, tallies
        case createdBy = "created_by"
        case openedAt = "opened_at"
        case closedAt = "closed_at"
    }
}

/// Aggregated answers of one group.
public struct PollCounts: Hashable, Sendable, Codable {
    /// Per option (scale: index 0 is value 1).
    public var counts: [Int]
    /// Students who answered on a device plus students counted in tallies.
    public var respondents: Int
    public var deviceRespondents: Int
    public var talliedRespondents: Int
    /// Scale only: the sum of all values (mean = `scale_sum / respondents`).
    public var scaleSum: Int?
    /// Scale only: the mean value, absent without respondents.
    public var mean: Double?

    private enum CodingKeys: String, CodingKey {
        case counts, respondents, mean
        case deviceRespondents = "device_respondents"
        case talliedRespondents = "tallied_respondents"
        case scaleSum = "scale_sum"
    }
}

/// The counts of one classroom (`classroom_id` absent: students without a classroom).
public struct ClassroomPollCounts: Hashable, Sendable, Codable {
    public var classroomID: ClassroomID?
    public var counts: PollCounts

    private enum CodingKeys: String, CodingKey {
        case counts
        case classroomID = "classroom_id"
    }
}

/// Live or final aggregate of a poll.
public struct PollAggregate: Hashable, Sendable, Codable {
    public var pollID: PollID
    public var kind: PollKind
    public var isOpen: Bool
    public var overall: PollCounts
    /// Sorted by classroom id; students without a classroom last.
    public var classrooms: [ClassroomPollCounts]

    private enum CodingKeys: String, CodingKey {
        case kind, overall, classrooms
        case pollID = "poll_id"
        case isOpen = "is_open"
    }
}

/// A command someone sends to the lesson.
public struct LessonCommand: Codable, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case start
        case handOver
        case extend(minutes: Int)
        case pause
        case resume
        case end

        /// The name used in the rules and refusals.
        public var name: String {
            switch self {
            case .start: "start"
            case .handOver: "hand_over"
            case .extend: "extend"
            case .pause: "pause"
            case .resume: "resume"
            case .end: "end"
            }
        }
    }

    public var kind: Kind
    public var from: Participant
    /// The phase index the sender believes is current; refused as stale if it is not.
    /// Ignored for start.
    public var expectedPhase: Int?
    /// The snapshot `seq` the sender saw; refused as stale if transitions happened since.
    public var expectedSeq: Int?

    public init(_ kind: Kind, from: Participant, expectedPhase: Int? = nil, expectedSeq: Int? = nil) {
        self.kind = kind
        self.from = from
        self.expectedPhase = expectedPhase
        self.expectedSeq = expectedSeq
    }

    enum CodingKeys: String, CodingKey {
        case type
        case minutes
        case from
        case expectedPhase = "expected_phase"
        case expectedSeq = "expected_seq"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "start": kind = .start
        case "hand_over": kind = .handOver
        case "extend": kind = .extend(minutes: try c.decode(Int.self, forKey: .minutes))
        case "pause": kind = .pause
        case "resume": kind = .resume
        case "end": kind = .end
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown command \(type)")
        }
        from = try c.decode(Participant.self, forKey: .from)
        expectedPhase = try c.decodeIfPresent(Int.self, forKey: .expectedPhase)
        expectedSeq = try c.decodeIfPresent(Int.self, forKey: .expectedSeq)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.name, forKey: .type)
        if case .extend(let minutes) = kind { try c.encode(minutes, forKey: .minutes) }
        try c.encode(from, forKey: .from)
        try c.encodeIfPresent(expectedPhase, forKey: .expectedPhase)
        try c.encodeIfPresent(expectedSeq, forKey: .expectedSeq)
    }
}

/// Everything that can happen to a lesson. Each event carries the instant it happened at;
/// the engine's state is a pure function of the event sequence (persist these to rebuild).
public enum LessonEvent: Codable, Sendable, Hashable {
    /// Time passed; the server sends one at (or after) `nextDeadline`.
    case tick(at: Instant)
    case command(LessonCommand, at: Instant)
    /// One connection opened (send one per connection; the same participant may have several).
    case participantConnected(Participant, at: Instant)
    /// One connection closed.
    case participantDisconnected(Participant, at: Instant)

    public var at: Instant {
        switch self {
        case .tick(let at), .command(_, let at), .participantConnected(_, let at),
             .participantDisconnected(_, let at):
            at
        }
    }

    enum CodingKeys: String, CodingKey {
        case event
        case at
        case command
        case participant
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let at = try c.decode(Instant.self, forKey: .at)
        let event = try c.decode(String.self, forKey: .event)
        switch event {
        case "tick": self = .tick(at: at)
        case "command": self = .command(try c.decode(LessonCommand.self, forKey: .command), at: at)
        case "participant_connected":
            self = .participantConnected(try c.decode(Participant.self, forKey: .participant), at: at)
        case "participant_disconnected":
            self = .participantDisconnected(try c.decode(Participant.self, forKey: .participant), at: at)
        default:
            throw DecodingError.dataCorruptedError(forKey: .event, in: c, debugDescription: "unknown event \(event)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        switch self {
        case .tick:
            try c.encode("tick", forKey: .event)
        case .command(let command, _):
            try c.encode("command", forKey: .event)
            try c.encode(command, forKey: .command)
        case .participantConnected(let p, _):
            try c.encode("participant_connected", forKey: .event)
            try c.encode(p, forKey: .participant)
        case .participantDisconnected(let p, _):
            try c.encode("participant_disconnected", forKey: .event)
            try c.encode(p, forKey: .participant)
        }
    }
}

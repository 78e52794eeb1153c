import TirekCore
@testable import TirekAttendance

/// 2025-03-03T09:00:00Z, the start of the hand-computed lessons.
let nine = Instant(millis: 1_740_992_400_000)

/// 09:mm:ss on the test day (minutes may go past 59 or below 0).
func at(_ minutes: Int64, _ seconds: Int64 = 0) -> Instant {
    nine + Millis(minutes * 60_000 + seconds * 1000)
}

func minutes(_ m: Int64, _ s: Int64 = 0) -> Millis { Millis(m * 60_000 + s * 1000) }

/// Small deterministic PRNG (SplitMix64) so property tests are reproducible from a seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds event logs readably.
struct Log {
    var events: [AttendanceEvent] = []
    private var counter = 0

    mutating func start(_ t: Instant) { events.append(.lessonStarted(at: t)) }
    mutating func phase(_ id: String, _ t: Instant) { events.append(.phaseStarted(phase: id, at: t)) }
    mutating func pause(_ t: Instant) { events.append(.lessonPaused(at: t)) }
    mutating func resume(_ t: Instant) { events.append(.lessonResumed(at: t)) }
    mutating func end(_ t: Instant) { events.append(.lessonEnded(at: t)) }

    /// Opens a connection and returns its id.
    @discardableResult
    mutating func open(_ participant: ParticipantID, _ t: Instant, role: Role = .student,
                       classroom: ClassroomID? = "k1", connection: ConnectionID? = nil) -> ConnectionID {
        counter += 1
        let id = connection ?? ConnectionID("\(participant.rawValue)#\(counter)")
        events.append(.connectionOpened(connection: id, participant: participant, role: role, classroom: classroom, at: t))
        return id
    }

    mutating func close(_ connection: ConnectionID, _ t: Instant, cause: CloseCause = .closed) {
        events.append(.connectionClosed(connection: connection, cause: cause, at: t))
    }

    /// One connection over `[from, to)`.
    mutating func session(_ participant: ParticipantID, _ from: Instant, _ to: Instant, role: Role = .student,
                          classroom: ClassroomID? = "k1") {
        let id = open(participant, from, role: role, classroom: classroom)
        close(id, to)
    }

    mutating func heartbeat(_ connection: ConnectionID, _ t: Instant) {
        events.append(.heartbeat(connection: connection, at: t))
    }

    mutating func mark(_ student: ParticipantID, _ status: RollCallStatus, _ t: Instant, from: Instant? = nil,
                       reason: AbsenceReason? = nil, classroom: ClassroomID = "k1") {
        events.append(.rollCall(RollCallMark(student: student, classroom: classroom, status: status, reason: reason,
                                             markedBy: "lt1", effectiveFrom: from, at: t)))
    }

    mutating func stream(_ classroom: ClassroomID, available: Bool, _ t: Instant) {
        events.append(.hubStream(classroom: classroom, available: available, at: t))
    }

    /// The three phases of a hub lesson 09:00–09:45 with a break 09:20–09:25:
    /// organisation 10 min, operational 20 min (25 less the break), reflection 10 min; 40 min running.
    mutating func standardLesson(body: (inout Log) -> Void) {
        start(at(0))
        phase("organisation", at(0))
        phase("operational", at(10))
        pause(at(20))
        resume(at(25))
        phase("reflection", at(35))
        body(&self)
        end(at(45))
    }

    func ledger(policy: AttendancePolicy = .standard) -> AttendanceLedger {
        AttendanceLedger(policy: policy, replaying: events)
    }
}

extension StudentFigures {
    func phase(_ id: String) -> Millis? { phases.first { $0.phase == id }?.ms }
}

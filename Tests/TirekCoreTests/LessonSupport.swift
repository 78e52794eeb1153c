import Testing
@testable import TirekCore

/// Fixtures for the lesson engine tests: a virtual clock around a fixed scheduled start.
enum LessonFixture {
    static let t0 = Instant(millis: 1_700_000_000_000)

    static func at(_ minutes: Int64, _ seconds: Int64 = 0) -> Instant {
        t0 + .minutes(minutes) + .seconds(seconds)
    }

    static let hub = Participant(id: "hub-1", role: .hubTeacher, displayName: "Hub")
    static let admin = Participant(id: "admin-1", role: .admin, displayName: "Admin")
    static let observer = Participant(id: "obs-1", role: .observer, displayName: "Observer")
    static let assistant = Participant(id: "asst-1", role: .assistant, displayName: "Assistant")
    static let student = Participant(id: "stu-1", role: .student, displayName: "Student", classroomID: "c1")
    static let screen = Participant(id: "screen-c1", role: .classroom, displayName: "Class 1", classroomID: "c1")

    static func local(_ classroom: String) -> Participant {
        Participant(id: ParticipantID("lt-\(classroom)"), role: .localTeacher, displayName: "Local \(classroom)",
                    classroomID: ClassroomID(classroom))
    }

    static func config(
        plan: PhasePlan = .hubLesson,
        minutes: [String: Int] = [:],
        autoStartAfter: Millis? = nil,
        warnings: [Millis] = [.minutes(2), .seconds(30)],
        grace: Millis = .seconds(60),
        classrooms: [ClassroomID] = []
    ) -> LessonConfig {
        do {
            return try LessonConfig(lessonID: "lesson-1", plan: plan, minutes: minutes, scheduledStart: t0,
                                    lobbyOpensBefore: .minutes(10), autoStartAfter: autoStartAfter,
                                    warnings: warnings, hubDropGrace: grace, classrooms: classrooms)
        } catch {
            fatalError("fixture config invalid: \(error)")
        }
    }

    /// An engine in the lobby (no auto-start).
    static func lobby(_ config: LessonConfig = config()) -> LessonEngine {
        var e = LessonEngine(config: config)
        _ = e.tick(at: config.lobbyOpensAt)
        return e
    }

    /// An engine whose first phase the hub teacher started at t0, with the hub teacher connected.
    static func running(_ config: LessonConfig = config(), hubConnected: Bool = true) -> LessonEngine {
        var e = lobby(config)
        if hubConnected { _ = e.handle(.participantConnected(hub, at: at(-1))) }
        let step = e.send(LessonCommand(.start, from: hub), at: t0)
        precondition(step.refusal == nil)
        return e
    }
}

extension LessonEngine {
    mutating func command(_ kind: LessonCommand.Kind, _ from: Participant, at: Instant,
                          expectedPhase: Int? = nil, expectedSeq: Int? = nil) -> LessonStep {
        send(LessonCommand(kind, from: from, expectedPhase: expectedPhase, expectedSeq: expectedSeq), at: at)
    }

    mutating func connect(_ p: Participant, at: Instant) -> [LessonAction] {
        handle(.participantConnected(p, at: at)).actions
    }

    mutating func disconnect(_ p: Participant, at: Instant) -> [LessonAction] {
        handle(.participantDisconnected(p, at: at)).actions
    }
}

func records(_ actions: [LessonAction]) -> [TransitionRecord] {
    actions.compactMap { if case .record(let r) = $0 { r } else { nil } }
}

func warnings(_ actions: [LessonAction]) -> [HandoffWarning] {
    actions.compactMap { if case .handoffWarning(let w) = $0 { w } else { nil } }
}

/// Sends a command that must be refused and checks that nothing but time changed.
@discardableResult
func expectRefused(_ engine: inout LessonEngine, _ kind: LessonCommand.Kind, _ from: Participant, at: Instant,
                   expectedPhase: Int? = nil, expectedSeq: Int? = nil, code: ErrorCode,
                   sourceLocation: SourceLocation = #_sourceLocation) -> Refusal? {
    var expected = engine
    let tickActions = expected.tick(at: at)
    let step = engine.command(kind, from, at: at, expectedPhase: expectedPhase, expectedSeq: expectedSeq)
    #expect(step.refusal?.code == code, "\(kind.name) from \(from.role.rawValue)", sourceLocation: sourceLocation)
    #expect(step.actions == tickActions, sourceLocation: sourceLocation)
    #expect(engine == expected, "state changed by refused \(kind.name)", sourceLocation: sourceLocation)
    return step.refusal
}

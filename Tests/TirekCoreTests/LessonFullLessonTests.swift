import Testing
@testable import TirekCore

@Suite("Full 45-minute hub lesson on a virtual clock")
struct LessonFullLessonTests {
    typealias F = LessonFixture
    static let classrooms: [String] = ["c1", "c2", "c3"]

    static func joined() -> LessonEngine {
        var e = LessonEngine(config: F.config(autoStartAfter: .zero, classrooms: ["c1", "c2", "c3"]))
        _ = e.tick(at: F.at(-10))
        _ = e.connect(F.hub, at: F.at(-9))
        for c in classrooms {
            _ = e.connect(F.local(c), at: F.at(-8))
            _ = e.connect(Participant(id: ParticipantID("screen-\(c)"), role: .classroom, displayName: c,
                                      classroomID: ClassroomID(c)), at: F.at(-8))
        }
        return e
    }

    @Test func minuteByMinute() {
        var e = Self.joined()
        var phaseByMinute: [String] = []
        var leadByMinute: [Lead?] = []
        var mutedByMinute: [Bool] = []
        var streamByMinute: [StreamMode] = []
        var allRecords: [TransitionRecord] = []
        var allWarnings: [HandoffWarning] = []
        for minute in Int64(0)...46 {
            let actions = e.tick(at: F.at(minute))
            allRecords += records(actions)
            allWarnings += warnings(actions)
            #expect(!actions.contains { if case .classroomFlagged = $0 { true } else { false } })
            let s = e.snapshot(at: F.at(minute))
            phaseByMinute.append(s.phase?.id ?? s.status.rawValue)
            leadByMinute.append(s.lead)
            mutedByMinute.append(s.classroomsMuted)
            streamByMinute.append(s.hubStream)
            if let end = s.plannedEnd { #expect(s.remaining == end - F.at(minute)) }
        }
        let expectedPhases = Array(repeating: "organisation", count: 5) + Array(repeating: "operational", count: 30)
            + Array(repeating: "reflection", count: 10) + ["ended", "ended"]
        #expect(phaseByMinute == expectedPhases)
        #expect(leadByMinute == Array(repeating: Lead.local, count: 5) + Array(repeating: .hub, count: 30)
            + Array(repeating: .local, count: 10) + [nil, nil])
        #expect(mutedByMinute == Array(repeating: false, count: 5) + Array(repeating: true, count: 30)
            + Array(repeating: false, count: 12))
        #expect(streamByMinute == Array(repeating: StreamMode.background, count: 5)
            + Array(repeating: .live, count: 30) + Array(repeating: .paused, count: 12))
        #expect(allRecords.map(\.why) == [.autoStarted, .scheduled, .scheduled, .scheduled])
        #expect(allRecords.map(\.at) == [F.t0, F.at(5), F.at(35), F.at(45)])
        #expect(allRecords.map(\.seq) == [2, 3, 4, 5])
        #expect(allRecords.allSatisfy { $0.by == nil })
        // whole-minute ticks only reach the 2-minute warnings; the 30 s ones are overtaken by their handoffs
        #expect(allWarnings.map(\.at) == [F.at(3), F.at(33), F.at(43)])
        #expect(allWarnings.map(\.nextPhaseID) == ["operational", "reflection", nil])
        #expect(e.status == .ended)
        #expect(e.nextDeadline == nil)
    }

    @Test func drivenByNextDeadlineLikeTheServer() {
        var e = Self.joined()
        var allRecords: [TransitionRecord] = []
        var allWarnings: [HandoffWarning] = []
        var ticks = 0
        while let deadline = e.nextDeadline {
            let actions = e.tick(at: deadline)
            allRecords += records(actions)
            allWarnings += warnings(actions)
            ticks += 1
            #expect(ticks < 50)
        }
        #expect(ticks == 10) // auto start + 3 × (2 warnings + handoff)
        #expect(allRecords.map(\.at) == [F.t0, F.at(5), F.at(35), F.at(45)])
        #expect(allWarnings.map(\.at) == [F.at(3), F.at(4, 30), F.at(33), F.at(34, 30), F.at(43), F.at(44, 30)])
        #expect(allWarnings.map(\.remaining) == [.minutes(2), .seconds(30), .minutes(2), .seconds(30), .minutes(2), .seconds(30)])
        #expect(allWarnings.map(\.lead) == [.local, .local, .hub, .hub, .local, .local])
        #expect(allWarnings.map(\.nextLead) == [.hub, .hub, .local, .local, nil, nil])
    }

    @Test func everyClientSeesTheSamePhaseSequenceFromRecords() {
        var e = Self.joined()
        var sequence: [String] = []
        for minute in Int64(0)...46 {
            for r in records(e.tick(at: F.at(minute))) { sequence.append(r.to.phaseID ?? r.to.status.rawValue) }
        }
        #expect(sequence == ["organisation", "operational", "reflection", "ended"])
    }
}

import Foundation
import Testing
import TirekClassroom
import TirekCore
@_spi(Benchmarks) @testable import TirekServer

/// The interaction model is a pure fold of its log records: replaying the records (as stored,
/// through JSON) rebuilds exactly the same state.
@Suite struct InteractionModelTests {
    let hub = Participant(id: "t-hub", role: .hubTeacher, displayName: "Hub")
    let local = Participant(id: "t1", role: .localTeacher, displayName: "Local", classroomID: "c1")
    let screen = Participant(id: "screen-c1", role: .classroom, displayName: "Class 1", classroomID: "c1")
    let s1 = Participant(id: "s1", role: .student, displayName: "S1", classroomID: "c1")
    let s2 = Participant(id: "s2", role: .student, displayName: "S2", classroomID: "c2")

    func lookup(_ id: ParticipantID) -> Participant? {
        [hub, local, screen, s1, s2].first { $0.id == id }
    }

    func record(_ at: Int64, _ by: Participant?, _ lead: Lead, _ command: InteractionRecord.Command) -> InteractionRecord {
        InteractionRecord(at: Instant(millis: at), by: by, lead: lead, command: command)
    }

    @Test func replayingTheLogRebuildsTheSameState() throws {
        let records: [InteractionRecord] = [
            record(1000, s1, .hub, .chatPost(text: "hello", scope: .lesson)),
            record(1001, s1, .hub, .handRaise(subject: .participant("s1"), question: "why?")),
            record(1002, screen, .hub, .handRaise(subject: .named(name: "Aigerim", classroomID: "c1"), question: nil)),
            record(1003, hub, .hub, .pollStart(kind: .singleChoice, question: "Which?", options: ["a", "b"])),
            record(1004, s2, .hub, .pollAnswer(poll: "p1", choice: .options([1]))),
            record(1005, local, .hub, .pollTally(poll: "p1", counts: [2, 1], respondents: nil)),
            record(1006, s2, .hub, .chatPost(text: "question", scope: .privateThread(student: "s2", teacher: "t-hub"))),
            record(1007, hub, .hub, .chatDelete(message: "m1")),
            record(1008, hub, .hub, .chatLock(scope: .classroom("c2"), locked: true)),
            record(1009, hub, .hub, .chatMute(target: s2, until: Instant(millis: 61_009))),
            record(1010, hub, .hub, .floorGrant(hand: "h1", withVideo: false)),
            record(1011, nil, .hub, .away("screen-c1")),
            record(1012, local, .hub, .shareRequest),
            record(1013, hub, .hub, .shareGrant(requester: "t1")),
            record(2000, nil, .local, .stage(InteractionStage(phaseIndex: 1, lead: .local, ended: false))),
            record(2001, s1, .local, .handRaise(subject: .participant("s1"), question: nil)),
            record(2002, s1, .local, .chatPost(text: "to my class", scope: .lesson)),
            record(200_000, nil, .local, .expire),
            record(200_001, hub, .local, .pollClose(poll: "p1")),
        ]
        var live = InteractionModel()
        var outcomes: [[InteractionOutcome]] = []
        for r in records { outcomes.append(try live.apply(r, lookup: lookup)) }

        let stored = try records.map { try JSONEncoder().encode($0) }
        var replayed = InteractionModel()
        for data in stored {
            _ = try replayed.apply(try JSONDecoder().decode(InteractionRecord.self, from: data), lookup: lookup)
        }
        #expect(replayed == live)

        // And what the records did, as the rules say.
        #expect(live.chat.messages.map(\.id) == ["m1", "m2", "m3"])
        #expect(live.chat.deletedIDs == ["m1"])
        #expect(live.chat.messages.last?.scope == .classroom("c1"), "redirected under the local lead")
        #expect(live.hands.queue(.classroom("c1")).map(\.subject) == [.participant("s1")])
        #expect(live.hands.floors.isEmpty, "the floor ended with the phase change")
        #expect(live.shares.shares.isEmpty, "the share stopped with the phase change")
        #expect(live.polls.poll("p1")?.isOpen == false)
        #expect(live.locks.keys.contains(.classroom("c2")))
        #expect(live.mutes["s2"]?.until == Instant(millis: 61_009))
        #expect(live.stage.lead == .local)
        guard case .hands(let events) = outcomes[2].first, case .raised(let hand, let position) = events.first else {
            Issue.record("expected a raise, got \(outcomes[2])")
            return
        }
        #expect(hand.subject == .named(name: "Aigerim", classroomID: "c1") && position == 2)
    }

    @Test func aRefusedRecordChangesNothing() throws {
        var model = InteractionModel()
        _ = try model.apply(record(1, hub, .hub, .pollStart(kind: .scale, question: "How sure?", options: [])), lookup: lookup)
        let before = model
        #expect(throws: Refusal.self) {
            try model.apply(record(2, s1, .hub, .pollClose(poll: "p1")), lookup: lookup)
        }
        #expect(throws: Refusal.self) {
            try model.apply(record(3, s1, .hub, .handLower(hand: nil)), lookup: lookup)
        }
        #expect(throws: Refusal.self) {
            try model.apply(record(4, hub, .hub, .handRaise(subject: .participant("t-hub"), question: nil)), lookup: lookup)
        }
        #expect(model == before)
    }

    @Test func floorEndTakesBackForTheOwnerAndFinishesForTheSpeaker() throws {
        var model = InteractionModel()
        _ = try model.apply(record(1, s1, .hub, .handRaise(subject: .participant("s1"), question: nil)), lookup: lookup)
        _ = try model.apply(record(2, hub, .hub, .floorGrant(hand: "h1", withVideo: true)), lookup: lookup)
        let finished = try model.apply(record(3, s1, .hub, .floorEnd), lookup: lookup)
        guard case .hands(let events) = finished.first, case .floorEnded(_, let reason) = events.first else {
            Issue.record("expected a floor end, got \(finished)")
            return
        }
        #expect(reason == .finished)
        _ = try model.apply(record(4, s1, .hub, .handRaise(subject: .participant("s1"), question: nil)), lookup: lookup)
        _ = try model.apply(record(5, hub, .hub, .floorGrant(hand: "h2", withVideo: false)), lookup: lookup)
        let taken = try model.apply(record(6, hub, .hub, .floorEnd), lookup: lookup)
        guard case .hands(let events2) = taken.first, case .floorEnded(_, let reason2) = events2.first else {
            Issue.record("expected a floor end, got \(taken)")
            return
        }
        #expect(reason2 == .takenBack)
    }
}

import Testing
import TirekCore
@testable import TirekClassroom

@Suite struct PollsTests {
    @Test func startRulesAndValidation() throws {
        var polls = Polls()
        let before = polls
        expectRefusal(.forbidden) { _ = try polls.start(.scale, question: "How sure?", by: P.a1, at: t(0)) }
        expectRefusal(.forbidden) { _ = try polls.start(.scale, question: "How sure?", by: P.observer, at: t(0)) }
        expectRefusal(.forbidden) { _ = try polls.start(.scale, question: "How sure?", by: P.screenA, at: t(0)) }
        expectRefusal(.invalidValue) { _ = try polls.start(.singleChoice, question: "Q", options: ["only"], by: P.hub, at: t(0)) }
        expectRefusal(.invalidValue) {
            _ = try polls.start(.multipleChoice, question: "Q", options: (1...11).map { "o\($0)" }, by: P.hub, at: t(0))
        }
        expectRefusal(.chatMessageTooLong) {
            _ = try polls.start(.singleChoice, question: "Q", options: ["a", String(repeating: "b", count: 101)], by: P.hub, at: t(0))
        }
        expectRefusal(.invalidValue) { _ = try polls.start(.singleChoice, question: "Q", options: ["Yes", " yes "], by: P.hub, at: t(0)) }
        expectRefusal(.invalidValue) { _ = try polls.start(.singleChoice, question: "Q", options: ["a", "  "], by: P.hub, at: t(0)) }
        expectRefusal(.invalidValue) { _ = try polls.start(.scale, question: "Q", options: ["a", "b"], by: P.hub, at: t(0)) }
        expectRefusal(.invalidValue) { _ = try polls.start(.scale, question: " ", by: P.hub, at: t(0)) }
        #expect(polls == before)

        let hubPoll = try polls.start(.singleChoice, question: " 2+2? ", options: [" 3", "4 ", "5"], by: P.hub, at: t(1))
        #expect(hubPoll.id == "p1" && hubPoll.scope == .lesson && hubPoll.question == "2+2?" && hubPoll.options == ["3", "4", "5"])
        let localPoll = try polls.start(.scale, question: "How sure?", by: P.localB, at: t(2))
        #expect(localPoll.id == "p2" && localPoll.scope == .classroom("cB") && localPoll.options.isEmpty)
        _ = try polls.start(.multipleChoice, question: "Ten", options: (1...10).map { "o\($0)" }, by: P.hub, at: t(3))
    }

    @Test func answersAndTalliesAggregatePerClassroomAndOverall() throws {
        var polls = Polls()
        let poll = try polls.start(.singleChoice, question: "2+2?", options: ["3", "4", "5"], by: P.hub, at: t(0))
        _ = try polls.answer(poll.id, .options([1]), by: P.a1, at: t(1))
        _ = try polls.answer(poll.id, .options([0]), by: P.a2, at: t(2))
        _ = try polls.answer(poll.id, .options([1]), by: P.b1, at: t(3))
        _ = try polls.answer(poll.id, .options([2]), by: P.home, at: t(4))
        // a2 changes their mind: the answer is replaced, not added.
        let changed = try polls.answer(poll.id, .options([1]), by: P.a2, at: t(5))
        #expect(changed == PollAnswer(participantID: "a2", classroomID: "cA", choice: .options([1]), answeredAt: t(5)))
        // Classroom A's teacher counts six students without devices, then corrects to seven.
        _ = try polls.tally(poll.id, counts: [1, 4, 1], by: P.localA, at: t(6))
        let tally = try polls.tally(poll.id, counts: [2, 4, 1], by: P.localA, at: t(7))
        #expect(tally == ClassroomTally(classroomID: "cA", counts: [2, 4, 1], respondents: 7, enteredBy: "tA", enteredAt: t(7)))

        let live = try polls.results(poll.id, for: P.hub)
        #expect(live.isOpen)
        #expect(live.overall == PollCounts(counts: [2, 7, 2], respondents: 11, deviceRespondents: 4, talliedRespondents: 7, scaleSum: nil, mean: nil))
        #expect(live.classrooms == [
            ClassroomPollCounts(classroomID: "cA", counts: PollCounts(counts: [2, 6, 1], respondents: 9, deviceRespondents: 2, talliedRespondents: 7, scaleSum: nil, mean: nil)),
            ClassroomPollCounts(classroomID: "cB", counts: PollCounts(counts: [0, 1, 0], respondents: 1, deviceRespondents: 1, talliedRespondents: 0, scaleSum: nil, mean: nil)),
            ClassroomPollCounts(classroomID: nil, counts: PollCounts(counts: [0, 0, 1], respondents: 1, deviceRespondents: 1, talliedRespondents: 0, scaleSum: nil, mean: nil)),
        ])
        #expect(polls.poll(poll.id)?.answers.count == 4)
        #expect(polls.poll(poll.id)?.tallies.count == 1)
    }

    @Test func answerAndTallyPermissions() throws {
        var polls = Polls()
        let lesson = try polls.start(.singleChoice, question: "Q", options: ["a", "b"], by: P.hub, at: t(0))
        let roomB = try polls.start(.singleChoice, question: "Q", options: ["a", "b"], by: P.localB, at: t(0))
        let before = polls
        expectRefusal(.forbidden) { _ = try polls.answer(lesson.id, .options([0]), by: P.localA, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.answer(lesson.id, .options([0]), by: P.screenA, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.answer(lesson.id, .options([0]), by: P.observer, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.answer(roomB.id, .options([0]), by: P.a1, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.tally(lesson.id, counts: [1, 1], by: P.a1, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.tally(lesson.id, counts: [1, 1], by: P.hub, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.tally(roomB.id, counts: [1, 1], by: P.localA, at: t(1)) }
        expectRefusal(.notFound) { _ = try polls.answer("p9", .options([0]), by: P.a1, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.answer(lesson.id, .options([0, 1]), by: P.a1, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.answer(lesson.id, .options([2]), by: P.a1, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.answer(lesson.id, .value(1), by: P.a1, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.tally(lesson.id, counts: [1, 1, 1], by: P.localA, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.tally(lesson.id, counts: [-1, 1], by: P.localA, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.tally(lesson.id, counts: [1, 1], respondents: 3, by: P.localA, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.close(lesson.id, by: P.localA, at: t(1)) }
        expectRefusal(.forbidden) { _ = try polls.close(roomB.id, by: P.hub, at: t(1)) }
        #expect(polls == before)
    }

    @Test func multipleChoiceAndScale() throws {
        var polls = Polls()
        let multi = try polls.start(.multipleChoice, question: "Which are prime?", options: ["2", "4", "7"], by: P.hub, at: t(0))
        let answer = try polls.answer(multi.id, .options([2, 0, 2]), by: P.a1, at: t(1))
        #expect(answer.choice == .options([0, 2]))
        expectRefusal(.invalidValue) { _ = try polls.answer(multi.id, .options([]), by: P.a1, at: t(1)) }
        expectRefusal(.invalidValue) { _ = try polls.tally(multi.id, counts: [3, 1, 2], by: P.localA, at: t(2)) }
        expectRefusal(.invalidValue) { _ = try polls.tally(multi.id, counts: [3, 1, 2], respondents: 2, by: P.localA, at: t(2)) }
        _ = try polls.tally(multi.id, counts: [3, 1, 2], respondents: 4, by: P.localA, at: t(2))
        let agg = try polls.aggregate(multi.id)
        #expect(agg.overall.counts == [4, 1, 3])
        #expect(agg.overall.respondents == 5)

        let scale = try polls.start(.scale, question: "How well did you understand?", by: P.localA, at: t(3))
        _ = try polls.answer(scale.id, .value(10), by: P.a1, at: t(4))
        _ = try polls.answer(scale.id, .value(7), by: P.a2, at: t(5))
        expectRefusal(.invalidValue) { _ = try polls.answer(scale.id, .value(11), by: P.a2, at: t(6)) }
        expectRefusal(.invalidValue) { _ = try polls.answer(scale.id, .value(0), by: P.a2, at: t(6)) }
        expectRefusal(.invalidValue) { _ = try polls.answer(scale.id, .options([1]), by: P.a2, at: t(6)) }
        expectRefusal(.forbidden) { _ = try polls.answer(scale.id, .value(5), by: P.b1, at: t(6)) }
        // Two students without devices said 1 and 2.
        _ = try polls.tally(scale.id, counts: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0], by: P.localA, at: t(7))
        let s = try polls.aggregate(scale.id).overall
        #expect(s.counts == [1, 1, 0, 0, 0, 0, 1, 0, 0, 1])
        #expect(s.respondents == 4)
        #expect(s.scaleSum == 20)
        #expect(s.mean == 5.0)
    }

    @Test func resultsVisibilityAndClosing() throws {
        var polls = Polls()
        let poll = try polls.start(.singleChoice, question: "Q", options: ["a", "b"], by: P.hub, at: t(0))
        _ = try polls.answer(poll.id, .options([0]), by: P.a1, at: t(1))
        _ = try polls.answer(poll.id, .options([1]), by: P.b1, at: t(2))
        // Live results: teachers and watchers only.
        #expect(try polls.results(poll.id, for: P.localB).overall.counts == [1, 1])
        #expect(try polls.results(poll.id, for: P.observer).classrooms.count == 2)
        expectRefusal(.pollResultsHidden) { _ = try polls.results(poll.id, for: P.a1) }
        expectRefusal(.pollResultsHidden) { _ = try polls.results(poll.id, for: P.screenA) }

        let final = try polls.close(poll.id, by: P.hub, at: t(10))
        #expect(!final.isOpen)
        #expect(polls.poll(poll.id)?.closedAt == t(10))
        let before = polls
        expectRefusal(.pollClosed) { _ = try polls.answer(poll.id, .options([1]), by: P.a1, at: t(11)) }
        expectRefusal(.pollClosed) { _ = try polls.tally(poll.id, counts: [1, 0], by: P.localA, at: t(11)) }
        expectRefusal(.pollClosed) { _ = try polls.close(poll.id, by: P.hub, at: t(11)) }
        #expect(polls == before)

        // After close students see the overall counts and their own classroom only.
        let forA1 = try polls.results(poll.id, for: P.a1)
        #expect(forA1.overall.counts == [1, 1])
        #expect(forA1.classrooms.map(\.classroomID) == ["cA"])
        #expect(try polls.results(poll.id, for: P.home).classrooms.isEmpty)

        // A classroom poll is invisible to other classrooms.
        let roomA = try polls.start(.scale, question: "Q", by: P.localA, at: t(20))
        expectRefusal(.forbidden) { _ = try polls.results(roomA.id, for: P.localB) }
        _ = try polls.close(roomA.id, by: P.localA, at: t(21))
        expectRefusal(.forbidden) { _ = try polls.results(roomA.id, for: P.b1) }
        #expect(try polls.results(roomA.id, for: P.a2).overall.mean == nil)
    }
}

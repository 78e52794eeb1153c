import Foundation
import Testing
import TirekCore
@testable import TirekClassroom

/// The JSON shapes documented in Protocols/rules/interaction.md.
@Suite struct CodableTests {
    func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func roundTrip<T: Codable & Equatable>(_ value: T) throws {
        let decoded = try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(value))
        #expect(decoded == value)
    }

    @Test func scopesAndSubjects() throws {
        #expect(try json(InteractionScope.lesson) == #"{"kind":"lesson"}"#)
        #expect(try json(InteractionScope.classroom("c1")) == #"{"classroom_id":"c1","kind":"classroom"}"#)
        #expect(try json(ChatScope.privateThread(student: "s1", teacher: "hub")) == #"{"kind":"private","student_id":"s1","teacher_id":"hub"}"#)
        #expect(try json(HandSubject.named(name: "Saule", classroomID: "c1")) == #"{"classroom_id":"c1","kind":"named","name":"Saule"}"#)
        #expect(try json(PollChoice.value(7)) == #"{"value":7}"#)
        #expect(try json(PollChoice.options([0, 2])) == #"{"options":[0,2]}"#)
        try roundTrip(ChatScope.classroom("c2"))
        try roundTrip(HandSubject.participant("s1"))
        try roundTrip(InteractionScope.classroom("c3"))
    }

    @Test func handRaiseAndChatMessage() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), question: "Why?", by: P.a1, lead: .hub, at: t(5))
        #expect(try json(q.entries[0]) == #"{"classroom_id":"cA","id":"h1","question":"Why?","raised_at":5,"raised_by":"a1","raised_by_role":"student","scope":{"kind":"lesson"},"subject":{"kind":"participant","participant_id":"a1"}}"#)
        try roundTrip(q)

        var chat = Chat()
        let m = try chat.post("Hi", to: .lesson, from: P.a1, lead: .hub, at: t(9))
        #expect(try json(m) == #"{"id":"m1","scope":{"kind":"lesson"},"sender_classroom_id":"cA","sender_id":"a1","sender_name":"Aigerim","sender_role":"student","sent_at":9,"seq":1,"text":"Hi"}"#)
        let page = chat.history(after: 0, for: P.a1)
        #expect(try json(page).hasPrefix(#"{"deletions":[],"has_more":false,"last_seq":1,"messages":["#))
    }

    @Test func pollRecordRoundTrips() throws {
        var polls = Polls()
        let poll = try polls.start(.scale, question: "Sure?", by: P.hub, at: t(0))
        _ = try polls.answer(poll.id, .value(4), by: P.a1, at: t(1))
        _ = try polls.close(poll.id, by: P.hub, at: t(2))
        try roundTrip(polls)
        let agg = try polls.aggregate(poll.id)
        try roundTrip(agg)
        #expect(try json(agg.overall) == #"{"counts":[0,0,0,1,0,0,0,0,0,0],"device_respondents":1,"mean":4,"respondents":1,"scale_sum":4,"tallied_respondents":0}"#)
    }
}

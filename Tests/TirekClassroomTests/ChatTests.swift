import Testing
import TirekCore
@testable import TirekClassroom

@Suite struct ChatTests {
    /// Who may read a message in each scope. The private thread is between a1 and the hub teacher.
    @Test func visibilityMatrix() {
        let expected: [(ChatScope, Set<ParticipantID>)] = [
            (.lesson, Set(P.all.map(\.id))),
            (.classroom("cA"), ["hub", "tA", "scrA", "a1", "a2", "asA", "obs", "adm"]),
            (.classroom("cB"), ["hub", "tB", "scrB", "b1", "obs", "adm"]),
            (.privateThread(student: "a1", teacher: "hub"), ["a1", "hub"]),
            (.privateThread(student: "b1", teacher: "tB"), ["b1", "tB"]),
        ]
        for (scope, readers) in expected {
            let actual = Set(P.all.filter { ChatRules.mayRead(scope, $0) }.map(\.id))
            #expect(actual == readers, "\(scope)")
        }
    }

    @Test func writeRulesByRoleAndPhase() throws {
        func may(_ scope: ChatScope, _ p: Participant, _ lead: Lead) -> Bool {
            ChatRules.mayWrite(scope, p, lead: lead, lookup: P.lookup)
        }
        for lead in Lead.allCases {
            #expect(!may(.lesson, P.observer, lead))
            #expect(!may(.lesson, P.admin, lead))
            #expect(may(.lesson, P.hub, lead))
            #expect(may(.lesson, P.localA, lead))
            #expect(may(.classroom("cB"), P.hub, lead))
            #expect(may(.classroom("cA"), P.a1, lead))
            #expect(!may(.classroom("cB"), P.a1, lead))
            #expect(!may(.classroom("cB"), P.localA, lead))
            #expect(!may(.classroom("cA"), P.observer, lead))
            #expect(may(.privateThread(student: "a1", teacher: "hub"), P.a1, lead))
            #expect(may(.privateThread(student: "a1", teacher: "tA"), P.a1, lead))
            #expect(may(.privateThread(student: "a1", teacher: "tA"), P.localA, lead))
            // Not someone else's thread, not another classroom's teacher, not between students.
            #expect(!may(.privateThread(student: "a1", teacher: "hub"), P.a2, lead))
            #expect(!may(.privateThread(student: "a1", teacher: "tB"), P.a1, lead))
            #expect(!may(.privateThread(student: "a1", teacher: "a2"), P.a1, lead))
            #expect(!may(.privateThread(student: "scrA", teacher: "hub"), P.screenA, lead))
            #expect(!may(.privateThread(student: "a1", teacher: "hub"), P.observer, lead))
            #expect(!may(.privateThread(student: "a1", teacher: "nobody"), P.a1, lead))
        }
        // Students' lesson-wide messages go to their classroom while local teachers lead.
        #expect(try ChatRules.resolveWrite(.lesson, by: P.a1, lead: .hub, lookup: P.lookup) == .lesson)
        #expect(try ChatRules.resolveWrite(.lesson, by: P.a1, lead: .local, lookup: P.lookup) == .classroom("cA"))
        #expect(try ChatRules.resolveWrite(.lesson, by: P.screenB, lead: .local, lookup: P.lookup) == .classroom("cB"))
        #expect(try ChatRules.resolveWrite(.lesson, by: P.localA, lead: .local, lookup: P.lookup) == .lesson)
        #expect(try ChatRules.resolveWrite(.lesson, by: P.home, lead: .local, lookup: P.lookup) == .lesson)
    }

    @Test func postAssignsIdsSeqAndEffectiveScope() throws {
        var chat = Chat()
        let m1 = try chat.post("Hello", to: .lesson, from: P.hub, lead: .hub, at: t(10))
        let m2 = try chat.post("Salem", to: .lesson, from: P.a1, lead: .local, at: t(20))
        #expect(m1 == ChatMessage(id: "m1", seq: 1, scope: .lesson, senderID: "hub", senderRole: .hubTeacher,
                                  senderName: "Hub Teacher", senderClassroomID: nil, text: "Hello", sentAt: t(10)))
        #expect(m2.id == "m2" && m2.seq == 2 && m2.scope == .classroom("cA"))
        #expect(chat.lastSeq == 2)
    }

    @Test func privateMessagesNeverLeak() throws {
        var chat = Chat()
        _ = try chat.post("q to hub", to: .privateThread(student: "a1", teacher: "hub"), from: P.a1, lead: .hub, at: t(1), lookup: P.lookup)
        _ = try chat.post("answer", to: .privateThread(student: "a1", teacher: "hub"), from: P.hub, lead: .hub, at: t(2), lookup: P.lookup)
        _ = try chat.post("q to tB", to: .privateThread(student: "b1", teacher: "tB"), from: P.b1, lead: .local, at: t(3), lookup: P.lookup)
        _ = try chat.post("room B only", to: .classroom("cB"), from: P.b1, lead: .hub, at: t(4))
        let seen = Dictionary(uniqueKeysWithValues: P.all.map { p in
            (p.id, chat.history(after: 0, for: p).messages.map(\.text))
        })
        #expect(seen["a1"] == ["q to hub", "answer"])
        #expect(seen["hub"] == ["q to hub", "answer", "room B only"])
        #expect(seen["a2"] == [])
        #expect(seen["tA"] == [])
        #expect(seen["scrA"] == [])
        #expect(seen["b1"] == ["q to tB", "room B only"])
        #expect(seen["tB"] == ["q to tB", "room B only"])
        #expect(seen["scrB"] == ["room B only"])
        #expect(seen["obs"] == ["room B only"])
        #expect(seen["adm"] == ["room B only"])
    }

    @Test func lockStopsStudentsButNotTeachersOrPrivateQuestions() throws {
        var chat = Chat()
        let beforeRefused = chat
        expectRefusal(.forbidden) { _ = try chat.lock(.lesson, by: P.localA, at: t(1)) }
        expectRefusal(.forbidden) { _ = try chat.lock(.classroom("cB"), by: P.localA, at: t(1)) }
        expectRefusal(.forbidden) { _ = try chat.lock(.classroom("cA"), by: P.a1, at: t(1)) }
        #expect(chat == beforeRefused)

        #expect(try chat.lock(.classroom("cA"), by: P.localA, at: t(2)) == ChatLockChange(scope: .classroom("cA"), locked: true, by: "tA", at: t(2)))
        expectRefusal(.chatLocked) { _ = try chat.post("hi", to: .lesson, from: P.a1, lead: .hub, at: t(3)) }
        expectRefusal(.chatLocked) { _ = try chat.post("hi", to: .classroom("cA"), from: P.screenA, lead: .hub, at: t(3)) }
        expectRefusal(.chatLocked) { _ = try chat.post("hi", to: .lesson, from: P.assistantA, lead: .hub, at: t(3)) }
        _ = try chat.post("b is fine", to: .lesson, from: P.b1, lead: .hub, at: t(4))
        _ = try chat.post("teacher", to: .classroom("cA"), from: P.localA, lead: .hub, at: t(4))
        _ = try chat.post("private", to: .privateThread(student: "a1", teacher: "tA"), from: P.a1, lead: .hub, at: t(4), lookup: P.lookup)

        _ = try chat.lock(.lesson, by: P.hub, at: t(5))
        expectRefusal(.chatLocked) { _ = try chat.post("hi", to: .lesson, from: P.b1, lead: .hub, at: t(6)) }
        expectRefusal(.chatLocked) { _ = try chat.post("hi", to: .classroom("cB"), from: P.b1, lead: .hub, at: t(6)) }
        _ = try chat.unlock(.lesson, by: P.hub, at: t(7))
        _ = try chat.post("again", to: .lesson, from: P.b1, lead: .hub, at: t(8))
        expectRefusal(.chatLocked) { _ = try chat.post("hi", to: .lesson, from: P.a1, lead: .hub, at: t(8)) }
        _ = try chat.unlock(.classroom("cA"), by: P.hub, at: t(9))
        _ = try chat.post("free", to: .lesson, from: P.a1, lead: .hub, at: t(10))
        #expect(chat.messages.map(\.text) == ["b is fine", "teacher", "private", "again", "free"])
    }

    @Test func muteUntilAnInstant() throws {
        var chat = Chat()
        let before = chat
        expectRefusal(.forbidden) { _ = try chat.mute(P.b1, until: t(5_000), by: P.localA, at: t(0)) }
        expectRefusal(.forbidden) { _ = try chat.mute(P.localA, until: t(5_000), by: P.hub, at: t(0)) }
        expectRefusal(.forbidden) { _ = try chat.mute(P.a2, until: t(5_000), by: P.a1, at: t(0)) }
        expectRefusal(.invalidValue) { _ = try chat.mute(P.a1, until: t(0), by: P.localA, at: t(0)) }
        #expect(chat == before)

        #expect(try chat.mute(P.a1, until: t(5_000), by: P.localA, at: t(0))
            == ChatMuteChange(participantID: "a1", until: t(5_000), by: "tA", at: t(0)))
        expectRefusal(.chatMuted) { _ = try chat.post("hi", to: .lesson, from: P.a1, lead: .hub, at: t(4_999)) }
        expectRefusal(.chatMuted) {
            _ = try chat.post("hi", to: .privateThread(student: "a1", teacher: "hub"), from: P.a1, lead: .hub, at: t(1), lookup: P.lookup)
        }
        #expect(chat.mutedUntil("a1", at: t(4_999)) == t(5_000))
        #expect(chat.mutedUntil("a1", at: t(5_000)) == nil)
        _ = try chat.post("back", to: .lesson, from: P.a1, lead: .hub, at: t(5_000))

        _ = try chat.mute(P.b1, until: t(60_000), by: P.hub, at: t(6_000))
        _ = try chat.unmute(P.b1, by: P.hub, at: t(7_000))
        _ = try chat.post("unmuted", to: .lesson, from: P.b1, lead: .hub, at: t(7_000))
        #expect(chat.messages.map(\.text) == ["back", "unmuted"])
    }

    @Test func deleteProducesADeletionEventAndRights() throws {
        var chat = Chat()
        let a = try chat.post("from a1", to: .lesson, from: P.a1, lead: .hub, at: t(1))
        let b = try chat.post("from b1", to: .lesson, from: P.b1, lead: .hub, at: t(2))
        let h = try chat.post("from hub", to: .lesson, from: P.hub, lead: .hub, at: t(3))
        let p = try chat.post("psst", to: .privateThread(student: "b1", teacher: "hub"), from: P.b1, lead: .hub, at: t(4), lookup: P.lookup)
        let before = chat
        expectRefusal(.forbidden) { _ = try chat.delete(b.id, by: P.localA, at: t(5)) }
        expectRefusal(.forbidden) { _ = try chat.delete(h.id, by: P.localA, at: t(5)) }
        expectRefusal(.forbidden) { _ = try chat.delete(a.id, by: P.a2, at: t(5)) }
        expectRefusal(.forbidden) { _ = try chat.delete(p.id, by: P.localB, at: t(5)) }
        expectRefusal(.forbidden) { _ = try chat.delete(a.id, by: P.observer, at: t(5)) }
        expectRefusal(.notFound) { _ = try chat.delete("m99", by: P.hub, at: t(5)) }
        #expect(chat == before)

        let d = try chat.delete(a.id, by: P.localA, at: t(6))
        #expect(d == ChatDeletion(seq: 5, messageID: "m1", messageSeq: 1, scope: .lesson, deletedBy: "tA", deletedAt: t(6)))
        expectRefusal(.notFound) { _ = try chat.delete(a.id, by: P.hub, at: t(7)) }
        #expect(try chat.delete(b.id, by: P.b1, at: t(8)).seq == 6)
        #expect(try chat.delete(p.id, by: P.hub, at: t(9)).seq == 7)
        #expect(chat.messages[0].text == "")
        #expect(chat.recent(for: P.hub).map(\.text) == ["from hub"])
    }

    @Test func historyAfterSeqWithoutDuplicates() throws {
        var chat = Chat()
        for i in 1...4 {
            _ = try chat.post("l\(i)", to: .lesson, from: P.hub, lead: .hub, at: t(Int64(i)))
        }
        _ = try chat.post("cB", to: .classroom("cB"), from: P.localB, lead: .hub, at: t(5)) // seq 5
        _ = try chat.delete("m2", by: P.hub, at: t(6))                                       // seq 6
        _ = try chat.delete("m4", by: P.hub, at: t(7))                                       // seq 7

        // A fresh client never sees the deleted messages nor their deletions.
        let fresh = chat.history(after: 0, for: P.a1)
        #expect(fresh.messages.map(\.seq) == [1, 3])
        #expect(fresh.deletions.isEmpty)
        #expect(fresh.lastSeq == 7 && !fresh.hasMore)

        // A client who saw up to seq 3 gets the deletion of m2 (seen), not m4's (never seen).
        let resumed = chat.history(after: 3, for: P.a1)
        #expect(resumed.messages.isEmpty)
        #expect(resumed.deletions.map(\.messageID) == ["m2"])
        #expect(resumed.lastSeq == 7)

        // Paging: limit 1 from zero, then continue from the returned cursor.
        let page1 = chat.history(after: 0, for: P.b1, limit: 1)
        #expect(page1.messages.map(\.seq) == [1])
        #expect(page1.lastSeq == 1 && page1.hasMore)
        let page2 = chat.history(after: page1.lastSeq, for: P.b1, limit: 1)
        #expect(page2.messages.map(\.seq) == [3])
        #expect(page2.lastSeq == 3 && page2.hasMore)
        let page3 = chat.history(after: page2.lastSeq, for: P.b1, limit: 1)
        #expect(page3.messages.map(\.seq) == [5])
        #expect(page3.deletions.isEmpty)
        #expect(page3.lastSeq == 5 && page3.hasMore)
        // Deletions of messages at or below the cursor are sent (a client ignores a deletion of
        // a message it never received), each once.
        let page4 = chat.history(after: page3.lastSeq, for: P.b1, limit: 1)
        #expect(page4.messages.isEmpty)
        #expect(page4.deletions.map(\.seq) == [6])
        #expect(page4.lastSeq == 6 && page4.hasMore)
        let page5 = chat.history(after: page4.lastSeq, for: P.b1, limit: 1)
        #expect(page5.deletions.map(\.seq) == [7])
        #expect(page5.lastSeq == 7 && !page5.hasMore)
        let page6 = chat.history(after: page5.lastSeq, for: P.b1, limit: 1)
        #expect(page6 == ChatHistoryPage(messages: [], deletions: [], lastSeq: 7, hasMore: false))
        // Nothing appeared twice across the pages.
        let pages = [page1, page2, page3, page4, page5, page6]
        #expect(pages.flatMap(\.messages).map(\.id) == ["m1", "m3", "m5"])
        #expect(pages.flatMap(\.deletions).map(\.messageID) == ["m2", "m4"])

        #expect(chat.recent(for: P.a1, limit: 1).map(\.id) == ["m3"])
    }

    @Test func restoringContinuesTheSequence() throws {
        var chat = Chat()
        _ = try chat.post("one", to: .lesson, from: P.hub, lead: .hub, at: t(1))
        _ = try chat.post("two", to: .lesson, from: P.hub, lead: .hub, at: t(2))
        var restored = Chat(restoring: chat.messages)
        let next = try restored.post("three", to: .lesson, from: P.hub, lead: .hub, at: t(3))
        #expect(next.id == "m3" && next.seq == 3)
    }

    @Test func lengthLimitsAndEmptyMessages() throws {
        var chat = Chat()
        let before = chat
        expectRefusal(.chatMessageEmpty) { _ = try chat.post(" \n\t\u{0007} ", to: .lesson, from: P.a1, lead: .hub, at: t(0)) }
        expectRefusal(.chatMessageTooLong) { _ = try chat.post(String(repeating: "ы", count: 501), to: .lesson, from: P.a1, lead: .hub, at: t(0)) }
        expectRefusal(.chatMessageTooLong) { _ = try chat.post(String(repeating: "x", count: 9000), to: .lesson, from: P.a1, lead: .hub, at: t(0)) }
        expectRefusal(.forbidden) { _ = try chat.post("hi", to: .lesson, from: P.observer, lead: .hub, at: t(0)) }
        #expect(chat == before)
        // Refused messages use no rate tokens: five messages still pass at once.
        for i in 0..<5 {
            _ = try chat.post(String(repeating: "ы", count: 500) + (i == 0 ? "   " : ""), to: .lesson, from: P.a1, lead: .hub, at: t(0))
        }
        #expect(chat.messages.count == 5)
        #expect(chat.messages[0].text.count == 500)
    }

    @Test func rateLimitWithExactTimings() throws {
        var chat = Chat()
        for i in 0..<5 {
            _ = try chat.post("m\(i)", to: .lesson, from: P.a1, lead: .hub, at: t(1_000))
        }
        let before = chat
        do {
            _ = try chat.post("too many", to: .lesson, from: P.a1, lead: .hub, at: t(1_000))
            Issue.record("expected rate_limited")
        } catch let refusal as Refusal {
            #expect(refusal.code == .rateLimited)
            #expect(refusal.message == "too many messages; retry in 2000 ms (retry_after_ms=2000)")
        }
        #expect(chat == before)
        #expect(chat.retryAfter("a1", at: t(2_500)) == Millis(500))
        #expect(chat.retryAfter("a2", at: t(1_000)) == nil)
        // Another sender is not affected.
        _ = try chat.post("other", to: .lesson, from: P.a2, lead: .hub, at: t(1_000))
        expectRefusal(.rateLimited) { _ = try chat.post("x", to: .lesson, from: P.a1, lead: .hub, at: t(2_999)) }
        _ = try chat.post("one more", to: .lesson, from: P.a1, lead: .hub, at: t(3_000))
        expectRefusal(.rateLimited) { _ = try chat.post("x", to: .lesson, from: P.a1, lead: .hub, at: t(4_999)) }
        _ = try chat.post("and one", to: .lesson, from: P.a1, lead: .hub, at: t(5_000))
        // After a quiet 10 s the bucket is full again: 5 at once, not 6.
        for _ in 0..<5 { _ = try chat.post("burst", to: .lesson, from: P.a1, lead: .hub, at: t(15_000)) }
        expectRefusal(.rateLimited) { _ = try chat.post("x", to: .lesson, from: P.a1, lead: .hub, at: t(15_000)) }
    }

    @Test func rateLimiterSteadyState() {
        var limiter = RateLimiter<String>(capacity: 5, window: .seconds(10))
        var accepted: [Int64] = []
        for ms in stride(from: Int64(0), through: 10_000, by: 500) where limiter.take("k", at: t(ms)) == nil {
            accepted.append(ms)
        }
        // Five at once, plus the token refilled meanwhile (1.25 by 2 500 ms), then one every 2 s.
        #expect(accepted == [0, 500, 1_000, 1_500, 2_000, 2_500, 4_000, 6_000, 8_000, 10_000])
    }
}

import Testing
import TirekCore
@testable import TirekClassroom

@Suite struct HandRaiseQueuesTests {
    @Test func raisesQueueInOrderWithPositions() throws {
        var q = HandRaiseQueues()
        let e1 = try q.raise(.participant("a1"), question: "  Why  ", by: P.a1, lead: .hub, at: t(100))
        let e2 = try q.raise(.named(name: " Saule ", classroomID: "cA"), by: P.screenA, lead: .hub, at: t(200))
        let e3 = try q.raise(.participant("b1"), by: P.b1, lead: .hub, at: t(300))

        guard case .raised(let first, position: 1) = e1[0],
            case .raised(let second, position: 2) = e2[0],
            case .raised(let third, position: 3) = e3[0]
        else { Issue.record("unexpected events \(e1) \(e2) \(e3)"); return }
        #expect(first.id == "h1" && second.id == "h2" && third.id == "h3")
        #expect(first.question == "Why")
        #expect(first.scope == .lesson)
        #expect(second.subject == .named(name: "Saule", classroomID: "cA"))
        #expect(second.raisedBy == "scrA")
        #expect(second.classroomID == "cA")
        #expect(q.queue(.lesson).map(\.id) == ["h1", "h2", "h3"])
        #expect(q.position(of: "h3") == 3)
        #expect(q.positions(for: "b1") == [
            HandPosition(entryID: "h3", scope: .lesson, subject: .participant("b1"), position: 3, queueLength: 3),
        ])
    }

    @Test func raisingTwiceKeepsTheFirstPlace() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), question: "first", by: P.a1, lead: .hub, at: t(100))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .hub, at: t(200))
        let again = try q.raise(.participant("a1"), question: "second", by: P.a1, lead: .hub, at: t(300))
        #expect(again.count == 1)
        guard case .alreadyRaised(let entry, position: 1) = again[0] else { Issue.record("\(again)"); return }
        #expect(entry.question == "first")
        #expect(entry.raisedAt == t(100))
        #expect(q.queue(.lesson).count == 2)
        // Named students compare case-insensitively, whichever classroom device raises.
        _ = try q.raise(.named(name: "Saule", classroomID: "cA"), by: P.screenA, lead: .hub, at: t(400))
        let dup = try q.raise(.named(name: "SAULE", classroomID: "cA"), by: P.localA, lead: .hub, at: t(500))
        guard case .alreadyRaised(_, position: 3) = dup[0] else { Issue.record("\(dup)"); return }
        #expect(q.queue(.lesson).count == 3)
        #expect(q.history.filter { $0.kind == .raised }.count == 3)
    }

    @Test func raisePermissionsPerRole() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .hub, at: t(1))
        let before = q
        expectRefusal(.forbidden) { _ = try q.raise(.participant("obs"), by: P.observer, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.named(name: "X", classroomID: "cA"), by: P.observer, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.named(name: "X", classroomID: "cA"), by: P.assistantA, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.participant("asA"), by: P.assistantA, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.participant("adm"), by: P.admin, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.participant("hub"), by: P.hub, lead: .hub, at: t(2)) }
        // A student raises only for themselves, never for a named student.
        expectRefusal(.forbidden) { _ = try q.raise(.participant("a2"), by: P.a1, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.named(name: "X", classroomID: "cA"), by: P.a1, lead: .hub, at: t(2)) }
        // A classroom raises only for its own students.
        expectRefusal(.forbidden) { _ = try q.raise(.named(name: "X", classroomID: "cB"), by: P.screenA, lead: .hub, at: t(2)) }
        expectRefusal(.forbidden) { _ = try q.raise(.participant("a1"), by: P.localA, lead: .hub, at: t(2)) }
        expectRefusal(.invalidValue) { _ = try q.raise(.named(name: "  \n ", classroomID: "cA"), by: P.screenA, lead: .hub, at: t(2)) }
        expectRefusal(.chatMessageTooLong) {
            _ = try q.raise(.participant("a2"), question: String(repeating: "q", count: 301), by: P.a2, lead: .hub, at: t(2))
        }
        // Under a local lead a local teacher owns the classroom queue and cannot raise into it.
        expectRefusal(.forbidden) { _ = try q.raise(.named(name: "X", classroomID: "cA"), by: P.localA, lead: .local, at: t(2)) }
        // A student without a classroom has no queue under a local lead.
        expectRefusal(.invalidState) { _ = try q.raise(.participant("h1"), by: P.home, lead: .local, at: t(2)) }
        #expect(q == before)
        _ = try q.raise(.participant("a2"), question: String(repeating: "q", count: 300), by: P.a2, lead: .hub, at: t(3))
        #expect(q.queue(.lesson).count == 2)
    }

    @Test func localLeadRoutesToPerClassroomQueues() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .local, at: t(1))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .local, at: t(2))
        _ = try q.raise(.named(name: "Saule", classroomID: "cA"), by: P.screenA, lead: .local, at: t(3))
        #expect(q.queue(.classroom("cA")).map(\.subject) == [.participant("a1"), .named(name: "Saule", classroomID: "cA")])
        #expect(q.queue(.classroom("cB")).map(\.subject) == [.participant("b1")])
        #expect(q.queue(.lesson).isEmpty)
        #expect(q.position(of: "h2") == 1)
        #expect(q.position(of: "h3") == 2)

        // Only the owner of a queue dismisses or grants in it.
        let before = q
        expectRefusal(.forbidden) { _ = try q.dismiss("h1", by: P.localB, at: t(4)) }
        expectRefusal(.forbidden) { _ = try q.dismiss("h1", by: P.hub, at: t(4)) }
        expectRefusal(.forbidden) { _ = try q.grant("h1", by: P.hub, at: t(4)) }
        expectRefusal(.forbidden) { _ = try q.dismissAll(in: .classroom("cA"), by: P.localB, at: t(4)) }
        expectRefusal(.forbidden) { _ = try q.dismissAll(in: .classroom("cA"), by: P.screenA, at: t(4)) }
        #expect(q == before)
        let events = try q.dismiss("h1", by: P.localA, at: t(5))
        #expect(events == [.dismissed(before.entries[0])])
        #expect(q.position(of: "h3") == 1)
    }

    @Test func lowerByRaiserOnly() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .hub, at: t(1))
        _ = try q.raise(.named(name: "Saule", classroomID: "cA"), by: P.screenA, lead: .hub, at: t(2))
        let before = q
        expectRefusal(.forbidden) { _ = try q.lower("h1", by: P.a2, at: t(3)) }
        expectRefusal(.forbidden) { _ = try q.lower("h1", by: P.hub, at: t(3)) }
        expectRefusal(.forbidden) { _ = try q.lower("h2", by: P.screenB, at: t(3)) }
        expectRefusal(.forbidden) { _ = try q.lower("h2", by: P.a1, at: t(3)) }
        expectRefusal(.notFound) { _ = try q.lower("h9", by: P.a1, at: t(3)) }
        #expect(q == before)
        #expect(try q.lower("h1", by: P.a1, at: t(4)) == [.lowered(before.entries[0])])
        // The local teacher of the classroom may lower a hand its screen raised for a named student.
        #expect(try q.lower("h2", by: P.localA, at: t(5)) == [.lowered(before.entries[1])])
        #expect(q.entries.isEmpty)
        #expect(q.history.map(\.kind) == [.raised, .raised, .lowered, .lowered])
        #expect(q.history.last?.by == "tA")
    }

    @Test func dismissAllOnlyTouchesTheOwnersQueue() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .local, at: t(1))
        _ = try q.raise(.participant("a2"), by: P.a2, lead: .local, at: t(2))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .local, at: t(3))
        let events = try q.dismissAll(in: .classroom("cA"), by: P.localA, at: t(10))
        #expect(events.count == 2)
        #expect(events.map { if case .dismissed(let e) = $0 { e.id.rawValue } else { "?" } } == ["h1", "h2"])
        #expect(q.queue(.classroom("cA")).isEmpty)
        #expect(q.queue(.classroom("cB")).map(\.id) == ["h3"])
        #expect(q.history.filter { $0.kind == .dismissed }.map(\.at) == [t(10), t(10)])
    }

    @Test func grantingTheFloor() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .hub, at: t(1))
        _ = try q.raise(.named(name: "Saule", classroomID: "cB"), by: P.screenB, lead: .hub, at: t(2))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .hub, at: t(3))
        let entries = q.entries

        let before = q
        expectRefusal(.forbidden) { _ = try q.grant("h1", by: P.localA, at: t(4)) }
        expectRefusal(.forbidden) { _ = try q.grant("h1", by: P.a1, at: t(4)) }
        expectRefusal(.notFound) { _ = try q.grant("h7", by: P.hub, at: t(4)) }
        expectRefusal(.invalidState) { _ = try q.takeFloorBack(in: .lesson, by: P.hub, at: t(4)) }
        #expect(q == before)

        let granted = try q.grant("h1", withVideo: true, by: P.hub, at: t(10))
        let floor1 = Floor(scope: .lesson, entry: entries[0], speaker: "a1", withVideo: true, grantedBy: "hub", grantedAt: t(10))
        #expect(granted == [.floorGranted(floor1)])
        #expect(q.floor(in: .lesson) == floor1)
        #expect(q.queue(.lesson).map(\.id) == ["h2", "h3"])
        #expect(q.position(of: "h3") == 2)

        // One floor per scope: granting another replaces it.
        let second = try q.grant("h2", by: P.hub, at: t(20))
        let floor2 = Floor(scope: .lesson, entry: entries[1], speaker: "scrB", withVideo: false, grantedBy: "hub", grantedAt: t(20))
        #expect(second == [.floorEnded(floor1, .replaced), .floorGranted(floor2)])
        #expect(q.floors == [floor2])

        // Others cannot finish; the named student's classroom teacher can.
        expectRefusal(.invalidState) { _ = try q.finishFloor(by: P.a1, at: t(25)) }
        expectRefusal(.forbidden) { _ = try q.takeFloorBack(in: .lesson, by: P.localB, at: t(25)) }
        #expect(try q.finishFloor(by: P.localB, at: t(30)) == [.floorEnded(floor2, .finished)])
        #expect(q.floors.isEmpty)

        _ = try q.grant("h3", by: P.hub, at: t(40))
        let back = try q.takeFloorBack(in: .lesson, by: P.hub, at: t(50))
        guard case .floorEnded(let f, .takenBack) = back.first else { Issue.record("\(back)"); return }
        #expect(f.speaker == "b1")
        #expect(q.floors.isEmpty)

        #expect(q.classroomStats() == [
            ClassroomHandStats(classroomID: "cA", raised: 1, withQuestion: 0, granted: 1),
            ClassroomHandStats(classroomID: "cB", raised: 2, withQuestion: 0, granted: 2),
        ])
    }

    @Test func reconnectGraceKeepsThePlace() throws {
        var q = HandRaiseQueues(configuration: .init(reconnectGrace: .seconds(30)))
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .hub, at: t(0))
        _ = try q.raise(.participant("a2"), by: P.a2, lead: .hub, at: t(1))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .hub, at: t(2))

        #expect(q.disconnected("a1", at: t(1_000)) == [])
        #expect(q.disconnected("a2", at: t(2_000)) == [])
        #expect(q.entries[0].disconnectedAt == t(1_000))
        // A disconnected raiser's hand cannot be granted.
        expectRefusal(.invalidState) { _ = try q.grant("h1", by: P.hub, at: t(1_500)) }

        // Just before the grace period ends nothing expires.
        #expect(q.expire(at: t(30_999)) == [])
        // a1 comes back in time: place 1 kept.
        let back = q.reconnected("a1", at: t(30_999))
        #expect(back.count == 1)
        guard case .reconnected(let entry, position: 1) = back[0] else { Issue.record("\(back)"); return }
        #expect(entry.disconnectedAt == nil)

        // a2's grace ends at exactly 32 000 ms.
        #expect(q.expire(at: t(31_999)) == [])
        let expired = q.expire(at: t(32_000))
        #expect(expired.count == 1)
        guard case .expired(let gone) = expired[0] else { Issue.record("\(expired)"); return }
        #expect(gone.id == "h2")
        #expect(q.queue(.lesson).map(\.id) == ["h1", "h3"])
        #expect(q.position(of: "h3") == 2)
        #expect(q.history.last == HandRaiseRecord(
            kind: .expired, entryID: "h2", scope: .lesson, subject: .participant("a2"), classroomID: "cA",
            by: nil, at: t(32_000), hadQuestion: false))

        // Reconnecting after the grace period (before anyone called expire) drops the hand.
        _ = q.disconnected("b1", at: t(40_000))
        let late = q.reconnected("b1", at: t(70_000))
        #expect(late.map { if case .expired(let e) = $0 { e.id.rawValue } else { "?" } } == ["h3"])
        #expect(q.queue(.lesson).map(\.id) == ["h1"])
    }

    @Test func reconnectExpiresOnlyTheReturningRaiser() throws {
        var q = HandRaiseQueues(configuration: .init(reconnectGrace: .seconds(10)))
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .hub, at: t(0))
        _ = try q.raise(.participant("a2"), by: P.a2, lead: .hub, at: t(0))
        _ = q.disconnected("a1", at: t(0))
        _ = q.disconnected("a2", at: t(0))
        let events = q.reconnected("a1", at: t(20_000))
        #expect(events.count == 1)
        #expect(q.entries.map(\.id) == ["h2"])
        #expect(q.expire(at: t(20_000)).count == 1)
    }

    @Test func speakerDisconnectEndsTheFloor() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .hub, at: t(0))
        _ = try q.grant("h1", by: P.hub, at: t(5))
        let floor = try #require(q.floor(in: .lesson))
        #expect(q.disconnected("b1", at: t(9)) == [.floorEnded(floor, .speakerDisconnected)])
        #expect(q.floors.isEmpty)
    }

    @Test func phaseChangeClearsQueuesAndFloorsByDefault() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .hub, at: t(0))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .hub, at: t(1))
        _ = try q.raise(.participant("a2"), by: P.a2, lead: .hub, at: t(2))
        _ = try q.grant("h3", by: P.hub, at: t(3))
        let floor = try #require(q.floor(in: .lesson))
        let entries = q.entries
        let events = q.phaseChanged(newLead: .local, at: t(100))
        #expect(events == [.floorEnded(floor, .phaseChanged), .cleared(entries[0]), .cleared(entries[1])])
        #expect(q.entries.isEmpty && q.floors.isEmpty)
        // The new lead's queues start empty; a raise now goes to the classroom queue.
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .local, at: t(101))
        #expect(q.queue(.classroom("cA")).map(\.id) == ["h4"])
        // History keeps every raise for the report.
        #expect(q.classroomStats() == [
            ClassroomHandStats(classroomID: "cA", raised: 3, withQuestion: 0, granted: 1),
            ClassroomHandStats(classroomID: "cB", raised: 1, withQuestion: 0, granted: 0),
        ])
    }

    @Test func phaseChangeCarryOverPolicyReroutes() throws {
        var q = HandRaiseQueues(configuration: .init(phaseChange: .carryOver))
        _ = try q.raise(.participant("b1"), by: P.b1, lead: .local, at: t(0))
        _ = try q.raise(.participant("a1"), by: P.a1, lead: .local, at: t(1))
        _ = try q.raise(.participant("b1"), question: nil, by: P.b1, lead: .local, at: t(2))
        let toHub = q.phaseChanged(newLead: .hub, at: t(10))
        #expect(toHub.count == 2)
        #expect(q.queue(.lesson).map(\.subject) == [.participant("b1"), .participant("a1")])
        guard case .moved(let moved, from: .classroom("cB")) = toHub[0] else { Issue.record("\(toHub)"); return }
        #expect(moved.scope == .lesson)

        // Back to local: a student without a classroom has no local queue and is cleared.
        _ = try q.raise(.participant("h1"), by: P.home, lead: .hub, at: t(11))
        let toLocal = q.phaseChanged(newLead: .local, at: t(20))
        #expect(toLocal.count == 3)
        #expect(q.queue(.classroom("cB")).map(\.id) == ["h1"])
        #expect(q.queue(.classroom("cA")).map(\.id) == ["h2"])
        #expect(q.entries.count == 2)
        guard case .cleared(let cleared) = toLocal[2] else { Issue.record("\(toLocal)"); return }
        #expect(cleared.id == "h3")
    }

    @Test func statsCountQuestionsPerClassroom() throws {
        var q = HandRaiseQueues()
        _ = try q.raise(.participant("a1"), question: "What is x?", by: P.a1, lead: .hub, at: t(0))
        _ = try q.lower("h1", by: P.a1, at: t(1))
        _ = try q.raise(.participant("a1"), question: "And y?", by: P.a1, lead: .hub, at: t(2))
        _ = try q.raise(.named(name: "Saule", classroomID: "cB"), question: "  ", by: P.localB, lead: .hub, at: t(3))
        _ = try q.raise(.participant("h1"), question: "Hi", by: P.home, lead: .hub, at: t(4))
        #expect(q.entries[1].question == nil)
        #expect(q.classroomStats() == [
            ClassroomHandStats(classroomID: "cA", raised: 2, withQuestion: 2, granted: 0),
            ClassroomHandStats(classroomID: "cB", raised: 1, withQuestion: 0, granted: 0),
            ClassroomHandStats(classroomID: nil, raised: 1, withQuestion: 1, granted: 0),
        ])
    }
}

import Testing
import TirekCore
@testable import TirekClassroom

@Suite struct ScreenShareTests {
    @Test func hubStartsAndOthersRequest() throws {
        var s = ScreenShares()
        let before = s
        expectRefusal(.forbidden) { _ = try s.start(by: P.localA, lead: .hub, at: t(0)) }
        expectRefusal(.forbidden) { _ = try s.start(by: P.a1, lead: .hub, at: t(0)) }
        expectRefusal(.forbidden) { _ = try s.start(by: P.hub, lead: .local, at: t(0)) }
        expectRefusal(.forbidden) { _ = try s.request(by: P.observer, lead: .hub, at: t(0)) }
        expectRefusal(.forbidden) { _ = try s.request(by: P.assistantA, lead: .hub, at: t(0)) }
        expectRefusal(.forbidden) { _ = try s.request(by: P.hub, lead: .hub, at: t(0)) }
        expectRefusal(.invalidState) { _ = try s.request(by: P.localA, lead: .local, at: t(0)) }
        expectRefusal(.invalidState) { _ = try s.request(by: P.home, lead: .local, at: t(0)) }
        #expect(s == before)

        let hubShare = ScreenShare(scope: .lesson, sharerID: "hub", sharerRole: .hubTeacher, grantedBy: nil, startedAt: t(1))
        #expect(try s.start(by: P.hub, lead: .hub, at: t(1)) == [.started(hubShare)])
        expectRefusal(.invalidState) { _ = try s.start(by: P.hub, lead: .hub, at: t(2)) }

        let request = ShareRequest(scope: .lesson, requesterID: "tA", requesterRole: .localTeacher, requestedAt: t(3))
        #expect(try s.request(by: P.localA, lead: .hub, at: t(3)) == [.requested(request)])
        #expect(try s.request(by: P.localA, lead: .hub, at: t(4)) == [])
        _ = try s.request(by: P.b1, lead: .hub, at: t(5))
        #expect(s.requests.count == 2)

        // Only the lead answers requests.
        let mid = s
        expectRefusal(.forbidden) { _ = try s.grant("tA", by: P.localB, at: t(6)) }
        expectRefusal(.forbidden) { _ = try s.refuse("tA", by: P.a1, at: t(6)) }
        expectRefusal(.notFound) { _ = try s.grant("a2", by: P.hub, at: t(6)) }
        expectRefusal(.forbidden) { _ = try s.stop(in: .lesson, by: P.localA, at: t(6)) }
        #expect(s == mid)

        // Granting preempts the current share: one active share per scope.
        let granted = try s.grant("tA", by: P.hub, at: t(10))
        let aShare = ScreenShare(scope: .lesson, sharerID: "tA", sharerRole: .localTeacher, grantedBy: "hub", startedAt: t(10))
        #expect(granted == [.stopped(hubShare, .preempted), .started(aShare)])
        #expect(s.shares == [aShare])

        let refused = try s.refuse("b1", by: P.hub, at: t(11))
        guard case .requestRefused(let r, by: "hub") = refused.first else { Issue.record("\(refused)"); return }
        #expect(r.requesterID == "b1")
        #expect(s.requests.isEmpty)

        // The sharer stops.
        #expect(try s.stop(in: .lesson, by: P.localA, at: t(12)) == [.stopped(aShare, .stopped)])
        expectRefusal(.invalidState) { _ = try s.stop(in: .lesson, by: P.hub, at: t(13)) }
    }

    @Test func localPhasesHaveOneSharePerClassroom() throws {
        var s = ScreenShares()
        _ = try s.start(by: P.localA, lead: .local, at: t(0))
        _ = try s.request(by: P.b1, lead: .local, at: t(1))
        expectRefusal(.forbidden) { _ = try s.grant("b1", by: P.localA, at: t(2)) }
        expectRefusal(.forbidden) { _ = try s.grant("b1", by: P.hub, at: t(2)) }
        _ = try s.grant("b1", by: P.localB, at: t(3))
        #expect(s.share(in: .classroom("cA"))?.sharerID == "tA")
        #expect(s.share(in: .classroom("cB"))?.sharerID == "b1")
        // The request of a2 waits for tA; a2's withdrawal removes it.
        _ = try s.request(by: P.a2, lead: .local, at: t(4))
        let w = try s.withdraw(by: P.a2, at: t(5))
        #expect(w == [.requestWithdrawn(ShareRequest(scope: .classroom("cA"), requesterID: "a2", requesterRole: .student, requestedAt: t(4)))])
        expectRefusal(.notFound) { _ = try s.withdraw(by: P.a2, at: t(6)) }
    }

    @Test func sharingStopsOnDisconnectAndLeadChange() throws {
        var s = ScreenShares()
        _ = try s.start(by: P.localA, lead: .local, at: t(0))
        _ = try s.request(by: P.b1, lead: .local, at: t(1))
        _ = try s.grant("b1", by: P.localB, at: t(2))
        _ = try s.request(by: P.a1, lead: .local, at: t(3))
        let bShare = try #require(s.share(in: .classroom("cB")))
        #expect(s.disconnected("b1", at: t(4)) == [.stopped(bShare, .sharerDisconnected)])
        let aShare = try #require(s.share(in: .classroom("cA")))
        let aRequest = try #require(s.requests.first)
        #expect(s.phaseChanged(newLead: .hub, at: t(5)) == [.stopped(aShare, .leadChanged), .requestWithdrawn(aRequest)])
        #expect(s.shares.isEmpty && s.requests.isEmpty)
    }
}

import Testing
import TirekCore
@testable import TirekClassroom

@Suite struct SignalRelayPolicyTests {
    let policy = SignalRelayPolicy()

    @Test func relaysBetweenTwoParticipantsOfTheLesson() throws {
        let relay = try policy.validate(kind: "offer", payload: "v=0", from: "hub", to: "scrA", lookup: P.lookup)
        #expect(relay == SignalRelay(kind: .offer, from: "hub", to: "scrA", payloadBytes: 3))
        #expect(try policy.validate(kind: "ice", payload: "candidate", from: "scrA", to: "hub", lookup: P.lookup).kind == .ice)
        #expect(try policy.validate(kind: "answer", payload: "x", from: "adm", to: "hub", lookup: P.lookup).kind == .answer)
    }

    @Test func refusals() {
        expectRefusal(.invalidValue) { _ = try policy.validate(kind: "bye", payload: "x", from: "hub", to: "scrA", lookup: P.lookup) }
        expectRefusal(.invalidValue) { _ = try policy.validate(kind: "OFFER", payload: "x", from: "hub", to: "scrA", lookup: P.lookup) }
        expectRefusal(.signalPeerNotInLesson) { _ = try policy.validate(kind: "offer", payload: "x", from: "ghost", to: "scrA", lookup: P.lookup) }
        expectRefusal(.signalPeerNotInLesson) { _ = try policy.validate(kind: "offer", payload: "x", from: "hub", to: "ghost", lookup: P.lookup) }
        expectRefusal(.forbidden) { _ = try policy.validate(kind: "offer", payload: "x", from: "obs", to: "hub", lookup: P.lookup) }
        expectRefusal(.forbidden) { _ = try policy.validate(kind: "offer", payload: "x", from: "hub", to: "obs", lookup: P.lookup) }
        expectRefusal(.invalidValue) { _ = try policy.validate(kind: "offer", payload: "x", from: "hub", to: "hub", lookup: P.lookup) }
        expectRefusal(.invalidValue) { _ = try policy.validate(kind: "offer", payload: "", from: "hub", to: "scrA", lookup: P.lookup) }
    }

    @Test func sizeLimitsAreExact() throws {
        let sdp = String(repeating: "a", count: 16 * 1024)
        #expect(try policy.validate(kind: "offer", payload: sdp, from: "hub", to: "scrA", lookup: P.lookup).payloadBytes == 16_384)
        expectRefusal(.signalPayloadTooLarge) { _ = try policy.validate(kind: "answer", payload: sdp + "a", from: "hub", to: "scrA", lookup: P.lookup) }
        let ice = String(repeating: "c", count: 2 * 1024)
        #expect(try policy.validate(kind: "ice", payload: ice, from: "hub", to: "scrA", lookup: P.lookup).payloadBytes == 2_048)
        expectRefusal(.signalPayloadTooLarge) { _ = try policy.validate(kind: "ice", payload: ice + "c", from: "hub", to: "scrA", lookup: P.lookup) }
        // Bytes, not characters: 1 024 two-byte letters fill the ICE limit exactly.
        let cyrillic = String(repeating: "ж", count: 1_024)
        #expect(try policy.validate(kind: "ice", payload: cyrillic, from: "hub", to: "scrA", lookup: P.lookup).payloadBytes == 2_048)
        expectRefusal(.signalPayloadTooLarge) { _ = try policy.validate(kind: "ice", payload: cyrillic + "ж", from: "hub", to: "scrA", lookup: P.lookup) }
    }
}

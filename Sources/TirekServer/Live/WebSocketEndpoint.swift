import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import TirekCore
import TirekProtocol

/// `/v1/ws`: admits a WebSocket upgrade once and hands the admitted join to its `WebSocketSession`.
///
/// The upgrade is decided at the HTTP/1 channel (`HTTPServerBuilder.http1WebSocketUpgrade`), not by a
/// router route. Hummingbird's router-based upgrade stores the request context in a handler box
/// that the context itself holds, a reference cycle that kept every upgraded connection's channel
/// and buffers alive for good (about 3 KB per connection, found by a heaptrack run of `tirek soak`).
/// Deciding here also hands the admission's result to the session directly, so the token and store
/// checks run once per join.
struct WebSocketEndpoint: Sendable {
    static let path = "/v1/ws"

    let admission: Admission
    let metrics: ServerMetrics
    let sockets: SocketsInMemory
    let logger: Logger
    let clock: any ServerClock
    let sendBufferBytes: Int
    let stallWatch: StallWatch

    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    /// Upgrades every WebSocket request to `/v1/ws`. A refused one is upgraded too and closed at once
    /// with an `error` and a 44xx close code: browsers cannot read the HTTP status of a refused upgrade.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) async -> ShouldUpgradeResult<Handler> {
        guard request.method == .get, URI(request.path ?? "").path == Self.path else { return .dontUpgrade }
        let decision: Result<Admission.Admitted, AdmissionRefusal>
        do {
            decision = try await admission.admit(request, pace: true)
        } catch {
            logger.error("could not check a join", metadata: ["error": "\(error)"])
            return .upgrade([:]) { _, outbound, _ in
                try await outbound.close(.unexpectedServerError, reason: "could not check your join; try again")
            }
        }
        switch decision {
        case .success(let admitted):
            await SendBufferLimiter.apply(sendBufferBytes, to: channel)
            sockets.track(channel)
            return .upgrade([:]) { inbound, outbound, _ in
                try await session(admitted, channel: channel).run(inbound: inbound, outbound: outbound)
            }
        case .failure(let refusal):
            metrics.upgradesRefused.increment()
            return .upgrade([:]) { _, outbound, _ in
                let reply = ServerEncoder().encode(ErrorReply(code: ErrorCode(rawValue: refusal.code), message: refusal.message,
                                                              retryAfterMs: refusal.retryAfterMs))
                try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: reply)))
                try await outbound.close(.init(codeNumber: Int(refusal.closeCode)), reason: refusal.code)
            }
        }
    }

    /// A plain `GET /v1/ws` (no upgrade headers, e.g. a link checker) learns the admission's verdict
    /// as an HTTP status; a valid link gets 426, since only a WebSocket can join.
    func register<Context: RequestContext>(on router: RouterGroup<Context>) {
        router.get("ws") { request, _ -> Response in
            switch try await admission.admit(request.head, pace: false) {
            case .success:
                throw HTTPError(.upgradeRequired, headers: [.upgrade: "websocket"],
                                message: "upgrade_required: open this address as a WebSocket to join")
            case .failure(let refusal):
                metrics.upgradesRefused.increment()
                throw refusal.httpError
            }
        }
    }

    private func session(_ admitted: Admission.Admitted, channel: any Channel) -> WebSocketSession {
        let connection = LiveConnection(id: LiveConnection.nextID(), claims: admitted.claims,
                                        openedAt: clock.now(), budget: .init())
        var sessionLogger = logger
        sessionLogger[metadataKey: "lesson"] = "\(admitted.claims.lessonID)"
        sessionLogger[metadataKey: "participant"] = "\(admitted.claims.participantID)"
        return WebSocketSession(connection: connection, room: admitted.room, metrics: metrics, logger: sessionLogger,
                                channel: channel, stallWatch: stallWatch)
    }
}

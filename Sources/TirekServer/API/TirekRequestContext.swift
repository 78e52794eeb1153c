import Hummingbird
import NIOCore

/// The request context of Tirek's HTTP router: Hummingbird's core context plus the peer's address
/// (the admin API limits failed keys per address). WebSocket upgrades do not go through the router
/// (see `WebSocketEndpoint`), so the context holds no WebSocket handler and no channel.
public struct TirekRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

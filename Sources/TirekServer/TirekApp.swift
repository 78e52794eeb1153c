import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import UnixSignals
import TirekCore
import TirekProtocol
import TirekStore

/// Builds and runs a Tirek server: HTTP admin API, `/v1/ws`, `/healthz`, `/metrics`, graceful shutdown.
public struct TirekApp: Sendable {
    public let config: ServerConfig
    public let store: any TirekStore
    public let metrics: ServerMetrics
    public let signer: TokenSigner
    public let links: LinkIssuer
    let rooms: RoomRegistry
    /// Native TLS, when configured (see `NativeTLS`).
    let tls: TLSConfiguration?
    let clock: any ServerClock
    let logger: Logger

    /// Opens the store named in `config` (or uses `store`) and prepares the signing key.
    public static func make(config: ServerConfig, store: (any TirekStore)? = nil, clock: any ServerClock = SystemClock()) async throws -> TirekApp {
        let tls = try NativeTLS.configuration(certificate: config.tlsCertificatePath, key: config.tlsKeyPath)
        let store = try store ?? SQLiteStore(path: config.databasePath,
                                            durability: SQLiteStore.Durability(rawValue: config.durability) ?? .normal)
        let secret: String
        if let configured = config.tokenSecret {
            secret = configured
        } else if let kept = try await store.setting("token_secret") {
            secret = kept
        } else {
            secret = TokenSigner.generateSecret()
            try await store.setSetting("token_secret", secret)
        }
        return TirekApp(config: config, store: store, clock: clock, secret: secret, tls: tls)
    }

    init(config: ServerConfig, store: any TirekStore, clock: any ServerClock, secret: String, tls: TLSConfiguration? = nil) {
        self.config = config
        self.tls = tls
        self.store = store
        self.clock = clock
        var logger = Logger(label: "tirek")
        logger.logLevel = config.logLevel
        self.logger = logger
        metrics = ServerMetrics()
        signer = TokenSigner(secret: Data(secret.utf8))
        links = LinkIssuer(signer: signer, publicURL: config.publicURL, validAfterStartSeconds: config.linkValiditySeconds)
        rooms = RoomRegistry(store: store, clock: clock, metrics: metrics, logger: logger,
                             settings: RoomSettings(heartbeat: .seconds(config.heartbeatSeconds),
                                                    lobby: .minutes(config.lobbyMinutes),
                                                    hubDropGrace: .seconds(config.hubDropGraceSeconds),
                                                    attendanceHeartbeat: .seconds(config.attendanceHeartbeatSeconds),
                                                    recordingsDirectory: config.recordingsDirectory,
                                                    lowRendition: config.lowRendition,
                                                    mediaWriteMerge: Millis(config.mediaWriteMergeMillis)))
    }

    /// The Hummingbird application. `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = Router(context: TirekRequestContext.self)
        if let publicRoot = StaticFiles<TirekRequestContext>.locate(config.publicDirectory) { router.add(middleware: StaticFiles(root: publicRoot)) }
        router.get("healthz") { _, _ -> Health in
            Health(status: "ok", lessonsLive: await rooms.all.count, serverTime: clock.now())
        }
        let sockets = SocketsInMemory()
        router.get("metrics") { [metrics] _, _ -> Response in
            metrics.socketsInMemory.set(Double(sockets.count()))
            if let heap = HeapUsage.inUseBytes() { metrics.heapInUse.set(Double(heap)) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        let api = router.group("v1")
        let admission = Admission(signer: signer, store: store, rooms: rooms, clock: clock,
                                  origins: OriginPolicy(publicURL: config.publicURL, allowed: config.allowedOrigins),
                                  pacer: JoinGate(limits: config.joinLimits))
        let endpoint = WebSocketEndpoint(admission: admission, metrics: metrics, sockets: sockets, logger: logger, clock: clock,
                                         sendBufferBytes: config.socketSendBufferBytes,
                                         stallWatch: StallWatch(timeout: .seconds(config.stallTimeoutSeconds)))
        endpoint.register(on: api)
        let admin = api.group().add(middleware: AdminAuth(adminKey: config.adminKey, trustedProxies: config.trustedProxies))
        AdminRoutes(store: store, rooms: rooms, links: links, clock: clock).register(on: admin)
        AttendanceRoutes(reports: AttendanceReports(store: store, rooms: rooms), clock: clock).register(on: admin)
        RecordingRoutes(store: store, rooms: rooms, root: config.recordingsDirectory).register(on: admin)

        let wsConfig = WebSocketServerConfiguration(maxFrameSize: WireLimits.maxFrameBytes,
                                                    autoPing: .enabled(timePeriod: .seconds(config.heartbeatSeconds)))
        let http: HTTPServerBuilder = .http1WebSocketUpgrade(configuration: .init(ws: wsConfig)) { request, channel, _ in
            await endpoint.shouldUpgrade(request, channel: channel)
        }
        return Application(
            router: router,
            server: try tls.map { try .tls(http, tlsConfiguration: $0) } ?? http,
            // A backlog for a school district's reconnect storm: 1,000 clients connecting at once
            // overflowed the default of 256 (refused connections). The kernel caps it at somaxconn.
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "tirek", backlog: 4096),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Runs until SIGTERM/SIGINT; then tells every client `server_closing`, closes their sockets
    /// (the lesson log is already persisted event by event) and stops the HTTP server.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await serviceGroup(signals: [.sigterm, .sigint], onRunning: onRunning).run()
    }

    /// The service group `run` uses; tests call `triggerGracefulShutdown()` on it.
    public func serviceGroup(signals: [UnixSignal], onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: [.init(service: try application(onRunning: onRunning)), .init(service: ClosingService(app: self)),
                       .init(service: RoomSweeper(rooms: rooms, interval: .seconds(config.roomSweepSeconds)))],
            gracefulShutdownSignals: signals,
            logger: logger))
    }

    /// Tells every live lesson the server is closing, and closes the connections.
    public func closeAllLessons(reason: String) async {
        for room in await rooms.all {
            await room.close(reason: reason, reconnectAfterMs: 2000)
        }
        // Recordings are finished (IVF frame counts, the last Ogg page) before the process exits.
        for room in await rooms.all { await room.fanout.recorder?.finish() }
    }

    /// Number of open WebSocket connections over all live lessons.
    public func connectionCount() async -> Int {
        var n = 0
        for room in await rooms.all { n += await room.connectionCount }
        return n
    }
}

/// Listed after the HTTP application in the service group, so it is shut down first: it closes the
/// lessons' WebSockets cleanly, which lets the HTTP server's own graceful shutdown finish.
struct ClosingService: Service {
    let app: TirekApp
    func run() async throws {
        try? await gracefulShutdown()
        app.logger.info("shutting down: closing lessons")
        await app.closeAllLessons(reason: "server restarting")
        // Give writers a moment to flush server_closing and the close frames.
        for _ in 0..<50 where await app.connectionCount() > 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

import Logging
import TirekCore

/// Everything the server can be configured with; the CLI fills it from flags and `TIREK_*` variables.
public struct ServerConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// SQLite database file (created if missing).
    public var databasePath = "tirek.sqlite"
    public var durability: String = "normal"
    /// Key for the admin API (`Authorization: Bearer ...`).
    public var adminKey: String
    /// Secret for signing join tokens; when nil, a random one is created once and kept in the store.
    public var tokenSecret: String?
    /// The URL participants reach this server at, used in join links.
    public var publicURL: String
    /// How long join links stay valid after a lesson's scheduled start.
    public var linkValiditySeconds: Int64 = 12 * 3600
    /// WebSocket ping interval; a peer that does not answer by the next ping is closed.
    public var heartbeatSeconds: Int64 = 15
    public var logLevel: Logger.Level = .info
    /// Kernel send buffer per connection (SO_SNDBUF). Small, so a stalled client is noticed within
    /// about a second of media instead of after megabytes; see `SendBufferLimiter`.
    public var socketSendBufferBytes = 64 * 1024
    /// A connection whose socket accepts no bytes for this long is closed (the peer stopped reading).
    public var stallTimeoutSeconds: Int64 = 10
    /// Lessons are joinable this many minutes before their scheduled start.
    public var lobbyMinutes: Int64 = 10
    /// How long classrooms wait for a dropped hub teacher before local teachers take the lead.
    public var hubDropGraceSeconds: Int64 = 60
    /// How often each open connection's keep-alive is written to the lesson log. After a crash,
    /// connections are closed at their last one, so this bounds the attendance time a crash loses.
    public var attendanceHeartbeatSeconds: Int64 = 30
    /// How often ended lessons that nobody is connected to are unloaded from memory (they are
    /// rebuilt from the store if anyone comes back).
    public var roomSweepSeconds: Int64 = 60
    /// Folder of the browser client (`Public/`). Nil: `Public` in the working directory, or next to
    /// the executable or one of its parent folders; when none exists no pages are served.
    public var publicDirectory: String?
    /// Folder for lesson recordings (hub camera and screen as IVF, audio as Ogg Opus); nil: not recorded.
    public var recordingsDirectory: String?
    /// The low-bandwidth rendition of the camera made for connections that ask for it; nil: none
    /// (a `low_bandwidth` preference is then refused, and such schools choose audio only).
    public var lowRendition: LowRenditionSettings? = LowRenditionSettings()
    /// Milliseconds a media frame may wait before its write, so that the frames queued meanwhile
    /// for the same connection share it (0: each frame is written at once). Fewer, larger writes
    /// cost the server (and every receiving device) fewer system calls: at 1,000 subscribers, 20 ms
    /// halves the writes and cuts the server's CPU by a third, for at most 20 ms more latency
    /// (Benchmarks/RESULTS.md). Like the merged writes of streaming servers such as SRS.
    public var mediaWriteMergeMillis: Int64 = 20

    /// Native TLS (HTTPS and WSS without a proxy): PEM certificate chain and private key files.
    /// Nil: plain HTTP, for running behind the nginx TLS proxy in `Deploy/`.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Web origins, besides this server's own, whose pages may open WebSockets (`*`: any).
    public var allowedOrigins: [String] = []
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client (see `ClientAddress`).
    public var trustedProxies: [String] = []
    /// How fast joins are admitted (reconnect storms are spread with `retry_after_ms` hints).
    public var joinLimits = JoinLimits()

    public struct JoinLimits: Sendable {
        /// Joins admitted at once across the server, then `perSecond`.
        public var burst: Double = 400
        public var perSecond: Double = 200
        /// Joins one participant may make at once, then one per `participantEverySeconds`.
        public var participantBurst: Double = 10
        public var participantEverySeconds: Double = 3
        public init() {}
    }

    public init(adminKey: String, publicURL: String? = nil, host: String = "127.0.0.1", port: Int = 8080) {
        self.adminKey = adminKey
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
    }
}

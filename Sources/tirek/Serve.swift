import ArgumentParser
import Foundation
import Logging
import TirekCore
import TirekPostgres
import TirekServer
import TirekStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (HTTP API, WebSocket, /metrics, /healthz).")

    private static let env = ProcessInfo.processInfo.environment

    @Option(help: "Address to listen on (env TIREK_HOST).")
    var host: String = env["TIREK_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on (env TIREK_PORT).")
    var port: Int = Int(env["TIREK_PORT"] ?? "") ?? 8080

    @OptionGroup var store: StoreOptions

    @Option(help: "SQLite only. Durability: normal survives a crash, full also survives power loss (env TIREK_DURABILITY).")
    var durability: String = env["TIREK_DURABILITY"] ?? "normal"

    @Option(help: "Admin API key (env TIREK_ADMIN_KEY). Generated and printed when absent.")
    var adminKey: String?

    @Option(help: "Join-token signing secret (env TIREK_TOKEN_SECRET). Default: generated once, kept in the database.")
    var tokenSecret: String?

    @Option(help: "URL participants reach the server at, for join links (env TIREK_PUBLIC_URL).")
    var publicURL: String?

    @Option(help: "WebSocket heartbeat interval in seconds (env TIREK_HEARTBEAT).")
    var heartbeat: Int64 = Int64(env["TIREK_HEARTBEAT"] ?? "") ?? 15

    @Option(help: "Seconds between attendance keep-alives written per connection; a crash loses at most this much (env TIREK_ATTENDANCE_HEARTBEAT).")
    var attendanceHeartbeat: Int64 = Int64(env["TIREK_ATTENDANCE_HEARTBEAT"] ?? "") ?? 30

    @Option(help: "Seconds between sweeps that unload ended lessons nobody is connected to (env TIREK_ROOM_SWEEP).")
    var roomSweep: Int64 = Int64(env["TIREK_ROOM_SWEEP"] ?? "") ?? 60

    @Option(help: "Folder for lesson recordings (IVF + Ogg Opus per lesson); off when absent (env TIREK_RECORDINGS).")
    var recordings: String?

    @Option(help: "The camera's low-bandwidth rendition for slow schools, WIDTHxHEIGHT@KBPS, or off (env TIREK_LOW_RENDITION; default 320x180@150).")
    var lowRendition: String = env["TIREK_LOW_RENDITION"] ?? "320x180@150"

    @Option(help: "Milliseconds a media frame may wait so the frames after it share its write, 0-100; fewer system calls for large lessons, 0 writes at once (env TIREK_MEDIA_WRITE_MERGE; default 20).")
    var mediaWriteMerge: Int64 = Int64(env["TIREK_MEDIA_WRITE_MERGE"] ?? "") ?? 20

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env TIREK_LOG_LEVEL).")
    var logLevel: String = env["TIREK_LOG_LEVEL"] ?? "info"

    @Option(name: .customLong("public"), help: "Folder of the browser client; default: Public in the working directory or next to the executable (env TIREK_PUBLIC).")
    var publicDirectory: String?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain for native TLS (https/wss without a proxy) (env TIREK_TLS_CERT).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for native TLS (env TIREK_TLS_KEY).")
    var tlsKey: String?

    @Option(name: .customLong("allowed-origin"), help: "A web origin, besides the public URL's, whose pages may open WebSockets; repeatable; * for any (env TIREK_ALLOWED_ORIGINS, comma-separated).")
    var allowedOrigins: [String] = []

    @Option(name: .customLong("trusted-proxy"), help: "The address or CIDR range of reverse proxies whose X-Forwarded-For names the client (for the admin API's per-address limit); repeatable (env TIREK_TRUSTED_PROXIES, comma-separated).")
    var trustedProxies: [String] = []

    @Option(help: "Joins admitted per second across the server; more wait for their retry_after_ms hint (env TIREK_JOIN_RATE).")
    var joinRate: Double = Double(env["TIREK_JOIN_RATE"] ?? "") ?? 200

    @Option(help: "Joins admitted at once before pacing starts (env TIREK_JOIN_BURST).")
    var joinBurst: Double = Double(env["TIREK_JOIN_BURST"] ?? "") ?? 400

    @Flag(help: "Create demo schools and a demo lesson (if missing) and print its join links.")
    var demo = false

    func validate() throws {
        // A malformed number in the environment must not silently become the default.
        for name in ["TIREK_PORT", "TIREK_HEARTBEAT", "TIREK_ATTENDANCE_HEARTBEAT", "TIREK_MEDIA_WRITE_MERGE"] {
            if let value = Self.env[name], Int64(value) == nil {
                throw ValidationError("\(name)=\(value) is not a whole number")
            }
        }
        guard (0...65535).contains(port) else { throw ValidationError("port must be 0–65535") }
        guard (0...100).contains(mediaWriteMerge) else { throw ValidationError("media-write-merge must be 0–100 ms") }
        guard ["normal", "full"].contains(durability) else { throw ValidationError("durability must be normal or full") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
        do {
            _ = try LowRenditionSettings.parse(lowRendition)
        } catch {
            throw ValidationError(error.description)
        }
        for name in ["TIREK_JOIN_RATE", "TIREK_JOIN_BURST"] {
            if let value = Self.env[name], Double(value) == nil { throw ValidationError("\(name)=\(value) is not a number") }
        }
        guard joinRate > 0, joinBurst >= 1 else { throw ValidationError("join rate must be above 0 and join burst at least 1") }
        guard heartbeat >= 1 else { throw ValidationError("heartbeat must be at least 1 second") }
        guard roomSweep >= 1 else { throw ValidationError("room sweep must be at least 1 second") }
        guard attendanceHeartbeat >= 1 else { throw ValidationError("attendance heartbeat must be at least 1 second") }
        let badProxies = ServerConfig.invalidProxyEntries(resolvedTrustedProxies)
        guard badProxies.isEmpty else {
            throw ValidationError("trusted proxy \(badProxies.joined(separator: ", ")) is not an IP address or CIDR range")
        }
    }

    /// `--trusted-proxy`, else `TIREK_TRUSTED_PROXIES`.
    private var resolvedTrustedProxies: [String] {
        trustedProxies.isEmpty ? (Self.env["TIREK_TRUSTED_PROXIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : trustedProxies
    }

    func run() async throws {
        let givenKey = adminKey ?? Self.env["TIREK_ADMIN_KEY"]
        let key = givenKey ?? TokenSigner.generateSecret()
        let tokenSecret = tokenSecret ?? Self.env["TIREK_TOKEN_SECRET"]
        let tlsCertificate = tlsCertificate ?? Self.env["TIREK_TLS_CERT"]
        let scheme = tlsCertificate == nil ? "http" : "https"
        let publicURL = publicURL ?? Self.env["TIREK_PUBLIC_URL"] ?? "\(scheme)://\(host):\(port)"
        var config = ServerConfig(adminKey: key, publicURL: publicURL, host: host, port: port)
        config.tlsCertificatePath = tlsCertificate
        config.tlsKeyPath = tlsKey ?? Self.env["TIREK_TLS_KEY"]
        config.allowedOrigins = allowedOrigins.isEmpty
            ? (Self.env["TIREK_ALLOWED_ORIGINS"] ?? "").split(separator: ",").map(String.init)
            : allowedOrigins
        config.trustedProxies = resolvedTrustedProxies
        config.joinLimits.perSecond = joinRate
        config.joinLimits.burst = joinBurst
        config.databasePath = store.displayName
        config.durability = durability
        config.tokenSecret = tokenSecret
        config.heartbeatSeconds = heartbeat
        config.attendanceHeartbeatSeconds = attendanceHeartbeat
        config.roomSweepSeconds = roomSweep
        config.recordingsDirectory = (recordings ?? Self.env["TIREK_RECORDINGS"]).flatMap { $0.isEmpty ? nil : $0 }
        config.lowRendition = try LowRenditionSettings.parse(lowRendition)
        config.mediaWriteMergeMillis = mediaWriteMerge
        config.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        config.publicDirectory = publicDirectory ?? Self.env["TIREK_PUBLIC"]
        var storeLogger = Logger(label: "tirek.store")
        storeLogger.logLevel = config.logLevel
        let opened = try await store.open(durability: SQLiteStore.Durability(rawValue: durability) ?? .normal, logger: storeLogger)
        do {
            try await serve(config: config, store: opened, key: key, givenKey: givenKey)
        } catch {
            await StoreOptions.close(opened)
            throw error
        }
        await StoreOptions.close(opened)
    }

    private func serve(config: ServerConfig, store opened: any TirekStore, key: String, givenKey: String?) async throws {
        let app = try await TirekApp.make(config: config, store: opened)
        let demoLinks: [JoinLink]
        if demo {
            let lesson = try await DemoSeed.seed(into: app.store, now: SystemClock().now())
            demoLinks = try await app.store.roster(for: lesson.id).map { app.links.links(for: $0, now: SystemClock().now()) } ?? []
        } else {
            demoLinks = []
        }
        try await app.run { boundPort in
            var out = "Tirek listening on \(config.tlsCertificatePath == nil ? "http" : "https")://\(host):\(boundPort) (database \(store.displayName))\n"
            if givenKey == nil { out += "Admin key (generated for this run): \(key)\n" }
            if !demoLinks.isEmpty {
                out += "\nDemo lesson \"\(DemoSeed.lessonID)\" — join links:\n"
                for link in demoLinks {
                    let who = "\(link.participant.role.rawValue) \(link.participant.displayName)"
                    out += "  \(who.padding(toLength: 44, withPad: " ", startingAt: 0)) \(link.url)\n"
                }
                out += "\nWebSocket clients connect to /v1/ws?token=... (see Protocols/README.md).\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}

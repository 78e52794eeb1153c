import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import TirekCore
import TirekServer
import TirekStore

/// A real Tirek server on 127.0.0.1 and an ephemeral port, over a SQLite file in a temp folder
/// (or over `store`, e.g. a `PostgresStore`, which the caller closes).
final class RunningServer: Sendable {
    static let adminKey = "test-admin-key"
    let app: TirekApp
    let port: Int
    let databasePath: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(app: TirekApp, port: Int, databasePath: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.app = app
        self.port = port
        self.databasePath = databasePath
        self.group = group
        self.task = task
    }

    static func temporaryDatabase() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("tirek.sqlite").path
    }

    static func start(databasePath: String = temporaryDatabase(), store: (any TirekStore)? = nil, clock: any ServerClock = SystemClock(),
                      configure: (inout ServerConfig) -> Void = { _ in }) async throws -> RunningServer {
        var config = ServerConfig(adminKey: adminKey, host: "127.0.0.1", port: 0)
        config.databasePath = databasePath
        config.logLevel = .warning
        config.heartbeatSeconds = 5
        config.stallTimeoutSeconds = 2
        configure(&config)
        let app = try await TirekApp.make(config: config, store: store, clock: clock)
        let (ports, portsContinuation) = AsyncStream<Int>.makeStream()
        let group = try app.serviceGroup(signals: []) { port in portsContinuation.yield(port) }
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not start") }
        return RunningServer(app: app, port: port, databasePath: databasePath, group: group, task: task)
    }

    /// Graceful shutdown, as on SIGTERM.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// An abrupt stop: the tasks are cancelled and nothing is tidied up (the lesson log is as a crash leaves it).
    func crash() async {
        // Nothing more reaches the database, as when the process dies: the sessions' leaves, which
        // are written even when their tasks are cancelled, fail like everything else.
        try? (app.store as? SQLiteStore)?.close()
        task.cancel()
        _ = try? await task.value
    }

    var wsBase: String { "ws://127.0.0.1:\(port)/v1/ws" }

    // MARK: HTTP

    var http: AdminHTTP { AdminHTTP(port: port, adminKey: Self.adminKey) }

    /// A metric series' value now, from the server's own registry (e.g. `tirek_connections`).
    func metric(_ series: String) -> Double {
        BroadcastTests.value(of: series, in: app.metrics.render())
    }

    /// Reads `series` every `interval` until it is `value`, at most `tries` times; returns the last
    /// value read (for the caller's expectation). For gauges that follow a socket's end or a log write.
    func waitForMetric(_ series: String, toBe value: Double, tries: Int = 100,
                       every interval: Duration = .milliseconds(50)) async throws -> Double {
        var last = metric(series)
        for _ in 0..<tries where last != value {
            try await Task.sleep(for: interval)
            last = metric(series)
        }
        return last
    }

    func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, admin: Bool = true) async throws -> (status: Int, body: String) {
        try await http.request(method, path, json: json, admin: admin)
    }

    func create(_ path: String, _ json: String) async throws -> [String: Any] {
        try await http.create(path, json)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum JSON {
    static func object(_ text: String) throws -> [String: Any] {
        guard let value = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text.prefix(200))")
        }
        return value
    }
}

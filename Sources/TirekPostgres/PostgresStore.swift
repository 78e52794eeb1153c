import Foundation
import Logging
import PostgresNIO
import TirekCore
import TirekProtocol
import TirekStore

/// The production store: PostgreSQL through postgres-nio's connection pool (`PostgresClient`).
///
/// Same layout as `SQLiteStore`: entities are JSON documents keyed by id; the event log has one row
/// per event, and `event_counter` holds each lesson's last `seq`. An append bumps the counter row of
/// each of its lessons (an upsert, which locks that row until commit) and inserts the events in the
/// same transaction, so concurrent appends to one lesson get consecutive, distinct numbers. An
/// append to one lesson (the usual case) is a single statement, one round trip.
///
/// The store owns the pool's `run()` task: open it with `connect`, end it with `shutdown()`.
/// Waiting for a connection is bounded by `timeout`; past it a call fails with `store_unavailable`
/// (the pool itself would keep retrying for a minute before giving up).
public final class PostgresStore: DocumentTables {
    public let url: PostgresURL
    public let timeout: Duration
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// Connects, creates or upgrades the schema, and returns the store. Throws `StoreError.unavailable`
    /// with the cause (refused, authentication, unknown database) when the server cannot be used;
    /// the schema is migrated on a connection of its own, so those errors come at once, not after a
    /// pool's retries.
    public static func connect(_ url: PostgresURL, timeout: Duration = .seconds(10), maximumConnections: Int = 20,
                               logger: Logger? = nil) async throws -> PostgresStore {
        let store = PostgresStore(url: url, timeout: timeout, maximumConnections: maximumConnections, logger: logger)
        do {
            try await store.migrate()
        } catch {
            await store.shutdown()
            throw error
        }
        return store
    }

    private func migrate() async throws {
        var config = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.username,
                                                      password: url.password, database: url.database, tls: .disable)
        do {
            switch url.tls {
            case .disable: break
            case .prefer: config.tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: config.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            config.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                          + timeout.components.attoseconds / 1_000_000_000)
            config.options.additionalStartupParameters = url.schema.map { [("search_path", $0)] } ?? []
            let connection = try await PostgresConnection.connect(configuration: config, id: 0, logger: logger)
            do {
                try await PostgresSchema.migrate(connection, schema: url.schema, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            throw PostgresErrors.map(error, "opening \(url)")
        }
    }

    private init(url: PostgresURL, timeout: Duration, maximumConnections: Int, logger: Logger?) {
        self.url = url
        self.timeout = timeout
        self.logger = logger ?? {
            var quiet = Logger(label: "tirek.postgres")
            quiet.logLevel = .warning
            return quiet
        }()
        var config = PostgresClient.Configuration(host: url.host, port: url.port, username: url.username,
                                                  password: url.password, database: url.database, tls: Self.tls(url.tls))
        config.options.maximumConnections = maximumConnections
        config.options.connectTimeout = timeout
        config.options.additionalStartupParameters = url.schema.map { [("search_path", $0)] } ?? []
        client = PostgresClient(configuration: config, backgroundLogger: self.logger)
        // Detached: the pool must not inherit a caller's graceful-shutdown context (ServiceLifecycle).
        runTask = Task.detached { [client] in await client.run() }
    }

    private static func tls(_ mode: PostgresURL.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// Closes the pool's connections and ends its task.
    public func shutdown() async {
        runTask.cancel()
        await runTask.value
    }

    deinit { runTask.cancel() }

    // MARK: Running queries

    private enum Outcome<R: Sendable>: Sendable {
        case done(R)
        case timer
    }

    /// Leases a connection (waiting at most `timeout`) and runs `body` on it; errors become `StoreError`.
    private func withConnection<R: Sendable>(_ what: String,
                                             _ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let leased = LeaseFlag()
        do {
            return try await withThrowingTaskGroup(of: Outcome<R>.self) { [client, timeout] group in
                group.addTask {
                    .done(try await client.withConnection { connection in
                        leased.set()
                        return try await body(connection)
                    })
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timer
                }
                do {
                    while let next = try await group.next() {
                        switch next {
                        case .done(let result):
                            group.cancelAll()
                            return result
                        case .timer where !leased.isSet:
                            group.cancelAll()
                            throw StoreError.unavailable("\(what): no connection to \(url) within \(timeout)")
                        case .timer:
                            continue  // a query is running; it is not abandoned half-way
                        }
                    }
                    throw StoreError.unavailable("\(what): no result")
                } catch {
                    group.cancelAll()
                    throw error
                }
            }
        } catch {
            throw PostgresErrors.map(error, what)
        }
    }

    private func rows<each T: PostgresDecodable & Sendable>(_ what: String, _ query: PostgresQuery,
                                                            as types: (repeat each T).Type) async throws -> [(repeat each T)] {
        try await withConnection(what) { [logger] db in
            var out: [(repeat each T)] = []
            for try await row in try await db.query(query, logger: logger).decode((repeat each T).self) {
                out.append(row)
            }
            return out
        }
    }

    private func execute(_ what: String, _ query: PostgresQuery) async throws {
        try await withConnection(what) { [logger] db in
            try await db.query(query, logger: logger)
            return ()
        }
    }

    // MARK: Documents

    public func writeDocument(_ table: String, id: String, json: String) async throws {
        try await execute("saving \(table) \(id)", """
            INSERT INTO \(unescaped: table) (id, body) VALUES (\(id), \(json))
            ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body
            """)
    }

    public func readDocuments(_ table: String) async throws -> [String] {
        try await rows("listing \(table)", "SELECT body FROM \(unescaped: table) ORDER BY id", as: String.self)
    }

    public func readDocument(_ table: String, id: String) async throws -> String? {
        try await rows("reading \(table) \(id)", "SELECT body FROM \(unescaped: table) WHERE id = \(id)", as: String.self).first
    }

    // MARK: Event log

    public func append(_ events: [StoredEvent]) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        let counts = Dictionary(events.map { ($0.lessonID, Int64(1)) }, uniquingKeysWith: +)
        if counts.count == 1, events.count <= 1000 {
            return try await appendToOneLesson(events)
        }
        return try await withConnection("appending \(events.count) events") { [logger] db in
            try await db.withTransaction(logger: logger) { db in
                // Lessons are locked in id order, so two appends that span the same lessons cannot deadlock.
                var next: [LessonID: Int64] = [:]
                for (lesson, count) in counts.sorted(by: { $0.key < $1.key }) {
                    let rows = try await db.query("""
                        INSERT INTO event_counter (lesson_id, last_seq) VALUES (\(lesson.rawValue), \(count))
                        ON CONFLICT (lesson_id) DO UPDATE SET last_seq = event_counter.last_seq + EXCLUDED.last_seq
                        RETURNING last_seq
                        """, logger: logger)
                    for try await last in rows.decode(Int64.self) { next[lesson] = last - count + 1 }
                }
                var stored = events
                for i in stored.indices {
                    stored[i].seq = next[stored[i].lessonID]!
                    next[stored[i].lessonID]! += 1
                }
                for start in stride(from: 0, to: stored.count, by: 1000) {
                    try await db.query(try Self.insert(stored[start..<min(start + 1000, stored.count)]), logger: logger)
                }
                return stored
            }
        }
    }

    /// The usual append (one lesson's events) in one statement, so one round trip: the counter upsert
    /// in a CTE locks the lesson's counter row for the statement's implicit transaction, and the
    /// events are numbered from the value it returns.
    private func appendToOneLesson(_ events: [StoredEvent]) async throws -> [StoredEvent] {
        let lesson = events[0].lessonID
        var binds = PostgresBindings(capacity: 2 + events.count * 5)
        binds.append(lesson.rawValue)
        binds.append(Int64(events.count))
        var values: [String] = []
        for (i, event) in events.enumerated() {
            let p = 3 + i * 5
            values.append("($\(p)::bigint, $\(p + 1)::bigint, $\(p + 2)::text, $\(p + 3)::text, $\(p + 4)::bytea)")
            binds.append(Int64(i + 1))
            binds.append(event.at.millis)
            binds.append(event.kind)
            binds.append(event.actor?.rawValue)
            try binds.append(event.body)
        }
        let query = PostgresQuery(unsafeSQL: """
            WITH counter AS (
                INSERT INTO event_counter (lesson_id, last_seq) VALUES ($1, $2)
                ON CONFLICT (lesson_id) DO UPDATE SET last_seq = event_counter.last_seq + EXCLUDED.last_seq
                RETURNING last_seq
            )
            INSERT INTO event (lesson_id, seq, at, kind, actor, body)
            SELECT $1, counter.last_seq - $2 + v.ord, v.at, v.kind, v.actor, v.body
            FROM counter, (VALUES \(values.joined(separator: ", "))) AS v (ord, at, kind, actor, body)
            RETURNING seq
            """, binds: binds)
        let seqs = try await rows("appending \(events.count) events to \(lesson)", query, as: Int64.self)
        guard let first = seqs.min(), seqs.count == events.count else {
            throw StoreError.corrupt("appending to \(lesson): \(seqs.count) rows stored for \(events.count) events")
        }
        var stored = events
        for i in stored.indices { stored[i].seq = first + Int64(i) }
        return stored
    }

    /// One multi-row INSERT for a chunk of events (6 parameters a row, well under the 65,535 limit).
    private static func insert(_ events: ArraySlice<StoredEvent>) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: events.count * 6)
        var values: [String] = []
        for (i, event) in events.enumerated() {
            values.append("(" + (1...6).map { "$\(i * 6 + $0)" }.joined(separator: ", ") + ")")
            binds.append(event.lessonID.rawValue)
            binds.append(event.seq)
            binds.append(event.at.millis)
            binds.append(event.kind)
            binds.append(event.actor?.rawValue)
            try binds.append(event.body)
        }
        return PostgresQuery(unsafeSQL: "INSERT INTO event (lesson_id, seq, at, kind, actor, body) VALUES "
                                + values.joined(separator: ", "), binds: binds)
    }

    public func events(lesson: LessonID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        // As in SQLite, a negative limit means no limit (LIMIT NULL in PostgreSQL).
        let limit: Int? = limit < 0 ? nil : limit
        return try await rows("reading events of \(lesson)", """
            SELECT seq, at, kind, actor, body FROM event WHERE lesson_id = \(lesson.rawValue) AND seq > \(after)
            ORDER BY seq LIMIT \(limit)
            """, as: (Int64, Int64, String, String?, Data).self).map { seq, at, kind, actor, body in
            StoredEvent(lessonID: lesson, seq: seq, at: Instant(millis: at), kind: kind, actor: actor.map(ParticipantID.init), body: body)
        }
    }

    // MARK: Settings and revocations

    public func setting(_ key: String) async throws -> String? {
        try await rows("reading setting \(key)", "SELECT value FROM setting WHERE key = \(key)", as: String.self).first
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await execute("saving setting \(key)", """
            INSERT INTO setting (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
            """)
    }

    public func revoke(participant: ParticipantID, lesson: LessonID, at: Instant) async throws {
        try await execute("revoking \(participant) in \(lesson)", """
            INSERT INTO revoked_participant (lesson_id, participant_id, at)
            VALUES (\(lesson.rawValue), \(participant.rawValue), \(at.millis)) ON CONFLICT DO NOTHING
            """)
    }

    public func isRevoked(participant: ParticipantID, lesson: LessonID) async throws -> Bool {
        try await !rows("reading revocation of \(participant)", """
            SELECT 1 FROM revoked_participant WHERE lesson_id = \(lesson.rawValue) AND participant_id = \(participant.rawValue)
            """, as: Int32.self).isEmpty
    }
}

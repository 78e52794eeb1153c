import Foundation
import GRDB
import TirekCore
import TirekProtocol

/// The embedded default store: one SQLite file in WAL mode, through GRDB.
///
/// Entities are kept as JSON documents keyed by id (the schema of a document is its Codable type,
/// documented in Protocols/http-api.md); the event log is a table of its own with one row per event.
/// `synchronous=NORMAL` in WAL mode survives a process crash (kill -9) with every committed event;
/// use `durability: .full` to also survive power loss at the cost of an fsync per commit.
public final class SQLiteStore: DocumentTables {
    public enum Durability: String, Sendable, CaseIterable {
        case normal, full
    }

    private let pool: DatabasePool
    public let path: String

    /// Closes the database: every later read or write fails. Tests use it to stop a server the
    /// way a crash does (nothing more reaches the file).
    public func close() throws {
        try pool.close()
    }

    public init(path: String, durability: Durability = .normal) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError.unavailable("cannot open SQLite database at \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            for table in ["school", "classroom", "teacher", "student", "guest", "lesson"] {
                try db.execute(sql: "CREATE TABLE \(table) (id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL)")
            }
            try db.execute(sql: """
                CREATE TABLE event (
                    lesson_id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT,
                    body BLOB NOT NULL,
                    PRIMARY KEY (lesson_id, seq)
                ) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE TABLE setting (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
            try db.execute(sql: """
                CREATE TABLE revoked_participant (
                    lesson_id TEXT NOT NULL, participant_id TEXT NOT NULL, at INTEGER NOT NULL,
                    PRIMARY KEY (lesson_id, participant_id)
                ) WITHOUT ROWID
                """)
        }
        return m
    }

    // MARK: Documents

    public func writeDocument(_ table: String, id: String, json: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO \(table) (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                           arguments: [id, json])
        }
    }

    public func readDocuments(_ table: String) async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT body FROM \(table) ORDER BY id") }
    }

    public func readDocument(_ table: String, id: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT body FROM \(table) WHERE id = ?", arguments: [id]) }
    }

    // MARK: Event log

    public func append(_ events: [StoredEvent]) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        return try await pool.write { db in
            var stored: [StoredEvent] = []
            stored.reserveCapacity(events.count)
            var next: [LessonID: Int64] = [:]
            for var event in events {
                let seq: Int64
                if let n = next[event.lessonID] {
                    seq = n
                } else {
                    seq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event WHERE lesson_id = ?",
                                              arguments: [event.lessonID.rawValue]) ?? 0) + 1
                }
                next[event.lessonID] = seq + 1
                event.seq = seq
                try db.execute(sql: "INSERT INTO event (lesson_id, seq, at, kind, actor, body) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [event.lessonID.rawValue, seq, event.at.millis, event.kind, event.actor?.rawValue, event.body])
                stored.append(event)
            }
            return stored
        }
    }

    public func events(lesson: LessonID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, at, kind, actor, body FROM event WHERE lesson_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                             arguments: [lesson.rawValue, after, limit]).map { row in
                StoredEvent(lessonID: lesson, seq: row["seq"], at: Instant(millis: row["at"]), kind: row["kind"],
                            actor: (row["actor"] as String?).map(ParticipantID.init), body: row["body"])
            }
        }
    }

    // MARK: Settings and revocations

    public func setting(_ key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    public func revoke(participant: ParticipantID, lesson: LessonID, at: Instant) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO revoked_participant (lesson_id, participant_id, at) VALUES (?, ?, ?)",
                           arguments: [lesson.rawValue, participant.rawValue, at.millis])
        }
    }

    public func isRevoked(participant: ParticipantID, lesson: LessonID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_participant WHERE lesson_id = ? AND participant_id = ?",
                              arguments: [lesson.rawValue, participant.rawValue]) ?? false
        }
    }
}

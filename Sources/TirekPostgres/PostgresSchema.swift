import Logging
import PostgresNIO

/// Tirek's tables in PostgreSQL, created and upgraded on start.
///
/// Migrations are numbered and recorded in `tirek_migration`; they run in one transaction under a
/// transaction-scoped advisory lock (one per schema), so several servers starting at once apply each
/// exactly once.
/// Ids are `TEXT COLLATE "C"` so listings sort byte-wise, as SQLite does, whatever the database locale.
enum PostgresSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, documentTables + [
            """
            CREATE TABLE event (
                lesson_id TEXT COLLATE "C" NOT NULL,
                seq BIGINT NOT NULL,
                at BIGINT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT,
                body BYTEA NOT NULL,
                PRIMARY KEY (lesson_id, seq)
            )
            """,
            // The last seq handed out per lesson; appends lock and bump its row, which serialises
            // concurrent appends to one lesson while other lessons append in parallel.
            "CREATE TABLE event_counter (lesson_id TEXT COLLATE \"C\" PRIMARY KEY, last_seq BIGINT NOT NULL)",
            "CREATE TABLE setting (key TEXT COLLATE \"C\" PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE revoked_participant (
                lesson_id TEXT COLLATE "C" NOT NULL, participant_id TEXT COLLATE "C" NOT NULL, at BIGINT NOT NULL,
                PRIMARY KEY (lesson_id, participant_id)
            )
            """,
        ]),
    ]

    static let documentTableNames = ["school", "classroom", "teacher", "student", "guest", "lesson"]

    private static var documentTables: [String] {
        documentTableNames.map { "CREATE TABLE \($0) (id TEXT COLLATE \"C\" PRIMARY KEY, body TEXT NOT NULL)" }
    }

    /// Creates `schema` if given, then applies the migrations not yet recorded.
    static func migrate(_ connection: PostgresConnection, schema: String?, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { db in
            // One lock per schema: servers sharing a schema migrate one at a time, other schemas in parallel.
            let lock = "tirek-migrate:\(schema ?? "")"
            try await db.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: logger)
            if let schema {
                try await db.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: "\"\(schema)\"")", logger: logger)
            }
            try await db.query("""
                CREATE TABLE IF NOT EXISTS tirek_migration (
                    version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var current = 0
            for try await version in try await db.query("SELECT COALESCE(MAX(version), 0) FROM tirek_migration", logger: logger)
                .decode(Int.self) {
                current = version
            }
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await db.query("INSERT INTO tirek_migration (version) VALUES (\(migration.version))", logger: logger)
                logger.info("PostgreSQL schema migrated", metadata: ["version": "\(migration.version)"])
            }
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import TirekCore
import TirekPostgres
import TirekServer
import TirekStore

@main
struct Tirek: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tirek",
        abstract: "Tirek: real-time hub-school lessons (phases, hand-raise, chat, polls, attendance, media relay).",
        subcommands: [Serve.self, LessonCommand.self, TokenCommand.self, ReportCommand.self, LoadgenCommand.self])
}

/// Options shared by commands that open the database directly.
struct StoreOptions: ParsableArguments {
    private static let env = ProcessInfo.processInfo.environment

    /// TIREK_POSTGRES_URL wins over TIREK_DB, which the systemd unit, the image and the Kubernetes
    /// manifest set to a SQLite path as a fallback.
    @Option(name: .long, help: ArgumentHelp(
        "SQLite database file, or a postgres:// URL for PostgreSQL (env TIREK_POSTGRES_URL, else TIREK_DB).",
        discussion: "postgres://user:password@host:5432/database?sslmode=prefer&schema=tirek"))
    var db: String = env["TIREK_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["TIREK_DB"] ?? "tirek.sqlite"

    var isPostgres: Bool { PostgresURL.isPostgresURL(db) }

    /// The database for messages: the URL without its password, or the file path.
    var displayName: String { isPostgres ? PostgresURL.redact(db) : db }

    func validate() throws {
        if isPostgres {
            do { _ = try PostgresURL(db) } catch { throw ValidationError("--db: \(error)") }
        }
    }

    /// Opens the store; `durability` applies to SQLite only.
    func open(durability: SQLiteStore.Durability = .normal, logger: Logger? = nil) async throws -> any TirekStore {
        if isPostgres {
            return try await PostgresStore.connect(PostgresURL(db), logger: logger)
        }
        return try SQLiteStore(path: db, durability: durability)
    }

    /// Ends what the store runs in the background (the PostgreSQL connection pool).
    static func close(_ store: any TirekStore) async {
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
    }
}

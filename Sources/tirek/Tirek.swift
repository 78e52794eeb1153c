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
        subcommands: [Serve.self, LessonCommand.self, TokenCommand.self, ReportCommand.self, LoadgenCommand.self, SoakCommand.self])
}

/// Options shared by commands that open the database directly.
struct StoreOptions: ParsableArguments {
    private static let env = ProcessInfo.processInfo.environment

    /// TIREK_POSTGRES_URL wins over TIREK_DB, which the systemd unit, the image and the Kubernetes
    /// manifest set to a SQLite path as a fallback. Resolved in `location`, not as the option's
    /// default, so `--help` never prints a URL with its password.
    @Option(name: .long, help: ArgumentHelp(
        "SQLite database file, or a postgres:// URL for PostgreSQL (env TIREK_POSTGRES_URL, else TIREK_DB; default tirek.sqlite).",
        discussion: "postgres://user:password@host:5432/database?sslmode=prefer&schema=tirek"))
    var db: String?

    /// The database to open: `--db`, else the environment, else `tirek.sqlite`.
    var location: String {
        db ?? Self.env["TIREK_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.env["TIREK_DB"] ?? "tirek.sqlite"
    }

    var isPostgres: Bool { PostgresURL.isPostgresURL(location) }

    /// The database for messages: the URL without its password, or the file path.
    var displayName: String { isPostgres ? PostgresURL.redact(location) : location }

    func validate() throws {
        if isPostgres {
            do { _ = try PostgresURL(location) } catch { throw ValidationError("database URL: \(error)") }
        }
    }

    /// Opens the store; `durability` applies to SQLite only.
    func open(durability: SQLiteStore.Durability = .normal, logger: Logger? = nil) async throws -> any TirekStore {
        if isPostgres {
            return try await PostgresStore.connect(PostgresURL(location), logger: logger)
        }
        return try SQLiteStore(path: location, durability: durability)
    }

    /// Ends what the store runs in the background (the PostgreSQL connection pool).
    static func close(_ store: any TirekStore) async {
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
    }
}

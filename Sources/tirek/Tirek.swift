import ArgumentParser
import Foundation
import Logging
import TirekCore
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
    @Option(name: .long, help: "SQLite database file (env TIREK_DB).")
    var db: String = ProcessInfo.processInfo.environment["TIREK_DB"] ?? "tirek.sqlite"

    func open() throws -> SQLiteStore { try SQLiteStore(path: db) }
}

import Foundation
import Testing
import TirekPostgres
import TirekStore

/// The store implementations the contract runs against.
///
/// PostgreSQL needs a server: `TIREK_TEST_POSTGRES_URL` (set by `scripts/test.sh`, which starts a
/// throwaway one with `scripts/postgres-test.sh`). Each test gets its own schema in that database,
/// so tests are independent and run in parallel. Without the variable the PostgreSQL cases fail with
/// a message saying so; `TIREK_TEST_SKIP_POSTGRES=1` turns that into a warning and a skip instead.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURLVariable = "TIREK_TEST_POSTGRES_URL"

    /// A new, empty location for a store of this backend.
    func freshLocation() throws -> StoreLocation {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tirek-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return .sqlite(path: dir.appendingPathComponent("t.sqlite").path)
        case .postgres:
            var url = try Self.postgresURL()
            url.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            return .postgres(url)
        }
    }

    static func postgresURL() throws -> PostgresURL {
        let env = ProcessInfo.processInfo.environment
        guard let text = env[postgresURLVariable], !text.isEmpty else {
            let message = """
                PostgreSQL cases need \(postgresURLVariable) (a postgres:// URL); run `sh scripts/test.sh`, \
                or `eval "$(sh scripts/postgres-test.sh start)"` first. TIREK_TEST_SKIP_POSTGRES=1 skips them.
                """
            if env["TIREK_TEST_SKIP_POSTGRES"] == "1" {
                Issue.record("skipped: \(message)", severity: .warning)
                try Test.cancel("skipped: \(message)")
            }
            throw PostgresNotConfigured(description: message)
        }
        return try PostgresURL(text)
    }

    struct PostgresNotConfigured: Error, CustomStringConvertible {
        let description: String
    }
}

/// Where one store keeps its data; opening it twice gives the same data.
enum StoreLocation: Sendable {
    case sqlite(path: String)
    case postgres(PostgresURL)

    func open() async throws -> any TirekStore {
        switch self {
        case .sqlite(let path): try SQLiteStore(path: path)
        case .postgres(let url): try await PostgresStore.connect(url)
        }
    }

    /// Opens the store, runs `body`, and closes it (the PostgreSQL pool) whether or not `body` throws.
    func withStore<R>(_ body: (any TirekStore) async throws -> R) async throws -> R {
        let store = try await open()
        do {
            let result = try await body(store)
            await Self.close(store)
            return result
        } catch {
            await Self.close(store)
            throw error
        }
    }

    static func close(_ store: any TirekStore) async {
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
    }
}

extension Backend {
    /// A fresh store of this backend for the length of `body`.
    func withFreshStore<R>(_ body: (any TirekStore) async throws -> R) async throws -> R {
        try await freshLocation().withStore(body)
    }
}

import Foundation
import Testing
import TirekCore
import TirekPostgres
import TirekStore

/// What only the PostgreSQL store has: its URL, schema migrations shared by several servers, and
/// how it reports a server it cannot use. The shared behaviour is in `StoreContractTests`.
@Suite struct PostgresStoreTests {
    @Test func urlsParseWithDefaultsAndOptions() throws {
        let plain = try PostgresURL("postgres://tirek:s%40cret@db.example:6432/lessons")
        #expect(plain == PostgresURL(host: "db.example", port: 6432, username: "tirek", password: "s@cret", database: "lessons"))
        #expect(plain.tls == .prefer && plain.schema == nil)
        #expect(plain.description == "postgres://tirek:***@db.example:6432/lessons")
        let options = try PostgresURL("postgresql://u@localhost/d?sslmode=require&schema=tirek_1")
        #expect(options.port == 5432 && options.password == nil && options.tls == .require && options.schema == "tirek_1")
        #expect(PostgresURL.redact("postgres://u:pw@h/d") == "postgres://u:***@h/d")
        #expect(PostgresURL.isPostgresURL("postgres://h") && !PostgresURL.isPostgresURL("data/tirek.sqlite"))
        for bad in ["mysql://u@h/d", "postgres:///d", "postgres://h/d", "postgres://u@h/d?sslmode=maybe",
                    "postgres://u@h/d?schema=drop%20table", "postgres://u@h/d?pool=3"] {
            #expect(throws: StoreError.self, "\(bad)") { try PostgresURL(bad) }
        }
    }

    @Test func serversStartingTogetherMigrateOnce() async throws {
        var fresh = try Backend.postgresURL()
        fresh.schema = "m_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let url = fresh
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.connect(url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        _ = try await stores[0].append([StoredEvent(lessonID: "L", at: .seconds(1), kind: "k", actor: nil, body: Data())])
        #expect(try await stores[3].events(lesson: "L", after: 0, limit: 10).map(\.seq) == [1])
        for store in stores { await store.shutdown() }
    }

    @Test func wrongPasswordIsUnavailableWithTheReason() async throws {
        var url = try Backend.postgresURL()
        url.password = "not-the-password"
        let error = await #expect(throws: StoreError.self) { _ = try await PostgresStore.connect(url, timeout: .seconds(5)) }
        #expect(error?.code == "store_unavailable")
        #expect("\(error.map { "\($0)" } ?? "")".contains("28P01"), "the SQLSTATE of a failed password check")
        #expect(!"\(error.map { "\($0)" } ?? "")".contains("not-the-password"))
    }

    @Test func unknownDatabaseIsUnavailable() async throws {
        var url = try Backend.postgresURL()
        url.database = "no_such_database"
        let error = await #expect(throws: StoreError.self) { _ = try await PostgresStore.connect(url, timeout: .seconds(5)) }
        #expect(error?.code == "store_unavailable")
    }

    @Test func aClosedStoreIsUnavailableNotACrash() async throws {
        // A store whose pool is closed fails like one whose server went away (stopping the real server
        // is checked by hand: requests wait up to the timeout, then 503; the pool reconnects when it is back).
        let url = try Backend.postgres.freshLocation()
        guard case .postgres(let pgURL) = url else { return }
        let store = try await PostgresStore.connect(pgURL, timeout: .seconds(2))
        await store.shutdown()
        let error = await #expect(throws: StoreError.self) { _ = try await store.schools() }
        #expect(error?.code == "store_unavailable")
    }
}

import Foundation
import Testing
import TirekPostgres

/// The PostgreSQL server of the test run (`TIREK_TEST_POSTGRES_URL`, set by `scripts/test.sh`).
/// Each call gives a new schema, so tests do not see each other's data.
enum TestPostgres {
    static func freshURL() throws -> PostgresURL {
        let env = ProcessInfo.processInfo.environment
        guard let text = env["TIREK_TEST_POSTGRES_URL"], !text.isEmpty else {
            let message = """
                PostgreSQL server tests need TIREK_TEST_POSTGRES_URL; run `sh scripts/test.sh`, or \
                `eval "$(sh scripts/postgres-test.sh start)"` first. TIREK_TEST_SKIP_POSTGRES=1 skips them.
                """
            if env["TIREK_TEST_SKIP_POSTGRES"] == "1" {
                Issue.record("skipped: \(message)", severity: .warning)
                try Test.cancel("skipped: \(message)")
            }
            throw TestFailure(message)
        }
        var url = try PostgresURL(text)
        url.schema = "s_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return url
    }
}

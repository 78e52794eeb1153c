import ArgumentParser
import Foundation

/// The server under test for `tirek loadgen` and `tirek soak`: a port on 127.0.0.1 and its admin key.
struct LoopbackServerOptions: ParsableArguments {
    @Option(help: "Server port (the server is on 127.0.0.1).")
    var port: Int = 8080

    @Option(help: "Admin API key (env TIREK_ADMIN_KEY).")
    var adminKey: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("port must be 1–65535") }
    }

    /// `--admin-key`, else TIREK_ADMIN_KEY.
    func requireAdminKey() throws -> String {
        guard let key = adminKey ?? ProcessInfo.processInfo.environment["TIREK_ADMIN_KEY"] else {
            throw ValidationError("--admin-key or TIREK_ADMIN_KEY is required")
        }
        return key
    }
}

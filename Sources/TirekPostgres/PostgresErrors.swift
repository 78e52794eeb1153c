import PostgresNIO
import Synchronization
import TirekStore

/// Maps what postgres-nio throws to `StoreError`, so callers see the same codes as with SQLite.
enum PostgresErrors {
    static func map(_ error: any Error, _ what: String) -> any Error {
        switch error {
        case let error as StoreError:
            return error
        case is CancellationError:
            return error
        case let error as PostgresTransactionError:
            let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            return inner.map { map($0, what) } ?? StoreError.unavailable("\(what): transaction failed")
        case let error as PSQLError:
            return map(error, what)
        case let error as PostgresDecodingError:
            return StoreError.corrupt("\(what): column \(error.columnName) does not decode as \(error.targetType) (\(error.code))")
        default:
            return StoreError.unavailable("\(what): \(error)")
        }
    }

    private static func map(_ error: PSQLError, _ what: String) -> StoreError {
        guard error.code == .server else {
            // Connection refused or lost, TLS, authentication mechanics, pool closed: the database is not usable now.
            let cause = error.underlying.map { ": \($0)" } ?? ""
            return .unavailable("\(what): \(error.code)\(cause)")
        }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = "\(what): \(error.serverInfo?[.message] ?? "server error") (SQLSTATE \(state))"
        switch state.prefix(2) {
        case "23", "40":
            // Integrity violations; serialization failures and deadlocks.
            return .conflict(message)
        case "08", "28", "3D", "53", "57":
            // Connection exceptions, authentication, unknown database, out of resources, shutdown.
            return .unavailable(message)
        default:
            // Anything else means the schema is not what this code expects.
            return .corrupt(message)
        }
    }
}

/// Set once a connection is leased, so the wait for one can time out without abandoning a query.
final class LeaseFlag: Sendable {
    private let leased = Mutex(false)
    var isSet: Bool { leased.withLock { $0 } }
    func set() { leased.withLock { $0 = true } }
}

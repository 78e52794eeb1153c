import Foundation
import TirekStore

/// Where a PostgreSQL store lives, parsed from a URL:
/// `postgres://user:password@host:5432/database?sslmode=prefer&schema=tirek`.
///
/// - `sslmode`: `disable`, `prefer` (default: TLS when the server offers it) or `require`;
///   with TLS the server's certificate is verified against the system's trust roots.
/// - `schema`: keep Tirek's tables in this schema (created if missing) instead of `public`.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var tls: TLSMode
    /// A plain identifier (letters, digits, `_`), or nil for the user's default search path.
    public var schema: String?

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String?,
                tls: TLSMode = .prefer, schema: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.schema = schema
    }

    /// Whether a `--db` value names PostgreSQL rather than a SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws {
        guard Self.isPostgresURL(text), let parts = URLComponents(string: text) else {
            throw StoreError.unavailable("not a postgres:// URL: \(Self.redact(text))")
        }
        guard let host = parts.host, !host.isEmpty else { throw StoreError.unavailable("the PostgreSQL URL names no host") }
        guard let user = parts.user, !user.isEmpty else { throw StoreError.unavailable("the PostgreSQL URL names no user") }
        self.host = host
        self.port = parts.port ?? 5432
        self.username = user
        self.password = parts.password
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        self.database = path.isEmpty ? nil : path
        self.tls = .prefer
        self.schema = nil
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError.unavailable("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "schema":
                guard let name = item.value, Self.isPlainIdentifier(name) else {
                    throw StoreError.unavailable("schema must be a plain identifier (letters, digits, _)")
                }
                schema = name
            default:
                throw StoreError.unavailable("unknown PostgreSQL URL parameter \(item.name) (known: sslmode, schema)")
            }
        }
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 63 else { return false }
        let ascii = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
        return ascii && !CharacterSet.decimalDigits.contains(first)
    }

    /// The URL without its password, for logs and errors.
    public var description: String {
        var query: [String] = []
        if tls != .prefer { query.append("sslmode=\(tls.rawValue)") }
        if let schema { query.append("schema=\(schema)") }
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database ?? "")"
            + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// `text` with any password replaced by `***`.
    public static func redact(_ text: String) -> String {
        guard var parts = URLComponents(string: text), parts.password != nil else { return text }
        parts.password = "***"
        return parts.string ?? "postgres://***"
    }
}

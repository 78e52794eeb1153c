/// A command the core will not carry out. `code` is a stable machine-readable string that the
/// wire protocol sends unchanged in `error` replies; `message` is for people.
public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Stable error codes shared by the core and the wire protocol. Modules add their own
/// codes as static members in extensions; the raw value is what goes on the wire.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// The sender's role may not do this (now, or ever).
    public static let forbidden: ErrorCode = "forbidden"
    /// The command does not fit the current state (e.g. handing over a phase that is not running).
    public static let invalidState: ErrorCode = "invalid_state"
    /// A field's value is outside what is allowed.
    public static let invalidValue: ErrorCode = "invalid_value"
    /// The thing referred to does not exist.
    public static let notFound: ErrorCode = "not_found"
    /// Too many requests in a time window.
    public static let rateLimited: ErrorCode = "rate_limited"
}

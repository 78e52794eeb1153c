import TirekCore

/// Stable wire error codes for problems with a message itself (as opposed to a `Refusal`
/// from the lesson rules). Listed in Protocols/errors.md.
extension ErrorCode {
    /// The text frame is not valid UTF-8 JSON, or not a JSON object.
    public static let malformed: ErrorCode = "malformed"
    /// The JSON object has no string `type`.
    public static let missingType: ErrorCode = "missing_type"
    /// The `type` is not a message the server accepts.
    public static let unknownType: ErrorCode = "unknown_type"
    /// A field is missing, has the wrong JSON type, or a value outside its range.
    public static let invalidField: ErrorCode = "invalid_field"
    /// The message or frame is larger than its limit.
    public static let tooLarge: ErrorCode = "too_large"
    /// A binary frame whose envelope cannot be parsed.
    public static let badEnvelope: ErrorCode = "bad_envelope"
    /// Something failed inside the server; the message was not applied.
    public static let internalError: ErrorCode = "internal"
}

/// A message the server could not accept. Carries the client's `id` when it could be read,
/// so the `error` reply can be matched to the request.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var requestID: String?

    public init(_ code: ErrorCode, _ message: String, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    public init(_ refusal: Refusal, requestID: String? = nil) {
        self.init(refusal.code, refusal.message, requestID: requestID)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

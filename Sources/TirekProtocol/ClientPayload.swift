import TirekCore

/// A JSON control message a client may send. `type` is its wire name; `validate()` checks
/// ranges and lengths beyond what decoding checks (JSON types, required fields).
public protocol ClientPayload: Decodable, Sendable, Equatable {
    static var type: String { get }
    func validate() throws(ProtocolError)
}

extension ClientPayload {
    public func validate() throws(ProtocolError) {}
}

/// Validation helpers shared by payloads.
enum Check {
    static func range<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ field: String) throws(ProtocolError) {
        guard range.contains(value) else {
            throw ProtocolError(.invalidField, "\(field) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    static func text(_ value: String, max: Int, _ field: String, allowEmpty: Bool = false) throws(ProtocolError) {
        let count = value.count
        if !allowEmpty && value.allSatisfy(\.isWhitespace) {
            throw ProtocolError(.invalidField, "\(field) must not be empty")
        }
        guard count <= max else {
            throw ProtocolError(.invalidField, "\(field) is \(count) characters, limit \(max)")
        }
    }

    static func identifier(_ value: String, _ field: String) throws(ProtocolError) {
        guard !value.isEmpty, value.utf8.count <= 64,
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw ProtocolError(.invalidField, "\(field) must be 1–64 printable ASCII characters")
        }
    }
}

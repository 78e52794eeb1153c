import TirekCore

/// Why a student was (partly) absent, as chosen by the local teacher in the roll call.
/// Encoded as `{"code": "illness"}` or `{"code": "other", "text": "..."}`.
public enum AbsenceReason: Hashable, Codable, Sendable {
    case technicalProblem
    case noInternet
    case illness
    case other(String)

    enum CodingKeys: String, CodingKey {
        case code
        case text
    }

    /// The stable wire / export code: `technical_problem`, `no_internet`, `illness`, `other`.
    public var code: String {
        switch self {
        case .technicalProblem: "technical_problem"
        case .noInternet: "no_internet"
        case .illness: "illness"
        case .other: "other"
        }
    }

    /// The teacher's free text for `other`; nil for the fixed reasons.
    public var text: String? {
        if case .other(let text) = self { return text }
        return nil
    }

    /// Parses a code (and the text for `other`); nil for an unknown code.
    public init?(code: String, text: String? = nil) {
        switch code {
        case "technical_problem": self = .technicalProblem
        case "no_internet": self = .noInternet
        case "illness": self = .illness
        case "other": self = .other(text ?? "")
        default: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let code = try container.decode(String.self, forKey: .code)
        let text = try container.decodeIfPresent(String.self, forKey: .text)
        guard let reason = AbsenceReason(code: code, text: text) else {
            throw DecodingError.dataCorruptedError(forKey: .code, in: container,
                                                   debugDescription: "unknown absence reason \(code)")
        }
        self = reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encodeIfPresent(text, forKey: .text)
    }
}

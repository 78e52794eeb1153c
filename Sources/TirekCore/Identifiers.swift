/// Typed string identifiers. Each kind of id is its own type so a classroom id can
/// never be passed where a participant id is expected.
public protocol TirekIdentifier: RawRepresentable, Hashable, Comparable, Codable, Sendable,
    ExpressibleByStringLiteral, CustomStringConvertible where RawValue == String {
    init(_ raw: String)
}

extension TirekIdentifier {
    public init(rawValue: String) { self.init(rawValue) }
    public init(stringLiteral value: String) { self.init(value) }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public struct LessonID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

public struct ParticipantID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

public struct ClassroomID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

public struct SchoolID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

import TirekCore

/// One transport connection (one WebSocket) of a participant. A participant may hold several
/// at once (two devices) and gets a new one on every reconnect; the ledger merges them.
public struct ConnectionID: TirekIdentifier {
    public let rawValue: String
    public init(_ raw: String) { rawValue = raw }
}

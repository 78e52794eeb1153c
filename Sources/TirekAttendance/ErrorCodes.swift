import TirekCore

extension ErrorCode {
    /// A connection was opened with an id that is already open.
    public static let attendanceConnectionAlreadyOpen: ErrorCode = "connection_already_open"
    /// A close or heartbeat names a connection that is not open.
    public static let attendanceConnectionNotOpen: ErrorCode = "connection_not_open"
}

extension ErrorCode {
    /// The command names a phase or sequence number that is no longer current (a late or
    /// duplicated click); it was not carried out so that it cannot skip a second phase.
    public static let staleCommand: ErrorCode = "stale_command"
}

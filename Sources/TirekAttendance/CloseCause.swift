/// Why a connection ended. Informational: every cause ends the connection's online time alike.
public enum CloseCause: String, Hashable, Codable, Sendable {
    /// The client closed, or the transport reported the socket gone.
    case closed
    /// The server stopped hearing keep-alives and gave up on the connection.
    case timedOut = "timed_out"
    /// A teacher or admin removed the participant.
    case kicked
    /// Synthesized by `AttendanceLedger.recoverAfterCrash(at:)` for a connection the server
    /// lost track of in a crash; closed at the last moment it was known alive.
    case crashRecovery = "crash_recovery"
}

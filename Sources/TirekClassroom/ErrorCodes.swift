import TirekCore

/// Error codes added by the interaction rules. The static names are prefixed so they cannot
/// clash with codes other modules add to `ErrorCode`; the raw values are the wire names.
extension ErrorCode {
    /// Chat is locked for students in this scope (whole lesson or the sender's classroom).
    public static let chatLocked: ErrorCode = "chat_locked"
    /// The sender is muted; the message says until when.
    public static let chatMuted: ErrorCode = "chat_muted"
    /// The text is empty after sanitising.
    public static let chatMessageEmpty: ErrorCode = "message_empty"
    /// The text (or a hand-raise question, a poll question/option) is longer than allowed.
    public static let chatMessageTooLong: ErrorCode = "message_too_long"
    /// The poll is closed and takes no more answers or tallies.
    public static let pollClosed: ErrorCode = "poll_closed"
    /// Poll results are shown to students only after the poll is closed.
    public static let pollResultsHidden: ErrorCode = "results_hidden"
    /// A WebRTC signalling payload is larger than allowed for its kind.
    public static let signalPayloadTooLarge: ErrorCode = "payload_too_large"
    /// The sender or the target of a signalling message is not a participant of the lesson.
    public static let signalPeerNotInLesson: ErrorCode = "not_in_lesson"
}

/// A student's attendance for one lesson, decided in this order:
/// `absent` (no online time), `late` (first joined after the late phase ended),
/// `present` (online at least the policy's share of the running time), else `partial`.
public enum AttendanceStatus: String, Hashable, Codable, Sendable, CaseIterable {
    case present
    case late
    case partial
    case absent
}

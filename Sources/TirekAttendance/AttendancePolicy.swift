import TirekCore

/// The thresholds that turn online time into a status. Pass the school's or district's
/// values; the defaults are those of the hub-school model.
public struct AttendancePolicy: Hashable, Codable, Sendable {
    /// `present` needs at least this share of the lesson's running time online, in percent
    /// (0...100; values outside are clamped). Default 80.
    public var presentPercent: Int
    /// A student whose first join comes after this phase ended (its first occurrence) is
    /// `late`. nil: nobody is ever late. Default `organisation`.
    public var latePhase: String?
    /// Reconnects within this gap are not counted as a drop (the gap itself still does not
    /// count as online time). Default zero: any gap is a drop.
    public var reconnectGrace: Millis

    enum CodingKeys: String, CodingKey {
        case presentPercent = "present_percent"
        case latePhase = "late_phase"
        case reconnectGrace = "reconnect_grace_ms"
    }

    public init(presentPercent: Int = 80, latePhase: String? = "organisation", reconnectGrace: Millis = .zero) {
        self.presentPercent = presentPercent
        self.latePhase = latePhase
        self.reconnectGrace = reconnectGrace
    }

    public static let standard = AttendancePolicy()
}

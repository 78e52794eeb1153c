import TirekCore

/// `ping`: application-level round trip; the server answers `pong` with its clock,
/// which clients use to align countdowns. (WebSocket ping/pong frames are used for liveness.)
public struct Ping: ClientPayload {
    public static let type = "ping"
    /// The client's own clock in milliseconds, echoed back.
    public var t: Int64?
    public init(t: Int64? = nil) { self.t = t }
}

/// The lesson commands of the phase engine. `phase` (optional) is the index of the phase the
/// sender is looking at; a command whose `phase` is not the current one is refused as stale,
/// so a late click never skips two phases.
public struct LessonStart: ClientPayload {
    public static let type = "lesson.start"
    public init() {}
}

public struct LessonHandOver: ClientPayload {
    public static let type = "lesson.hand_over"
    public var phase: Int?
    public init(phase: Int? = nil) { self.phase = phase }
    public func validate() throws(ProtocolError) {
        if let phase { try Check.range(phase, 0...31, "phase") }
    }
}

public struct LessonExtend: ClientPayload {
    public static let type = "lesson.extend"
    public var minutes: Int
    public var phase: Int?
    public init(minutes: Int, phase: Int? = nil) { self.minutes = minutes; self.phase = phase }
    public func validate() throws(ProtocolError) {
        try Check.range(minutes, 1...30, "minutes")
        if let phase { try Check.range(phase, 0...31, "phase") }
    }
}

public struct LessonPause: ClientPayload {
    public static let type = "lesson.pause"
    public init() {}
}

public struct LessonResume: ClientPayload {
    public static let type = "lesson.resume"
    public init() {}
}

public struct LessonEnd: ClientPayload {
    public static let type = "lesson.end"
    public init() {}
}

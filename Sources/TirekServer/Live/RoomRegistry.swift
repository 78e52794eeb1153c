import Logging
import TirekCore
import TirekStore

/// The live lessons of this server, created on first join from the store (and rebuilt from the
/// lesson log after a restart).
actor RoomRegistry {
    private let store: any TirekStore
    private let clock: any WallClock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let heartbeat: Duration
    private var rooms: [LessonID: LessonRoom] = [:]
    private var loading: [LessonID: Task<LessonRoom?, any Error>] = [:]

    init(store: any TirekStore, clock: any WallClock, metrics: ServerMetrics, logger: Logger, heartbeat: Duration) {
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.heartbeat = heartbeat
    }

    /// The room of a lesson, or nil if there is no such lesson.
    func room(for id: LessonID) async throws -> LessonRoom? {
        if let room = rooms[id] { return room }
        if let task = loading[id] { return try await task.value }
        let task = Task { [store, clock, metrics, logger, heartbeat] () throws -> LessonRoom? in
            guard let roster = try await store.roster(for: id) else { return nil }
            let room = LessonRoom(roster: roster, store: store, clock: clock, metrics: metrics,
                                  logger: logger, heartbeat: heartbeat)
            try await room.restore()
            return room
        }
        loading[id] = task
        defer { loading[id] = nil }
        let room = try await task.value
        if let room {
            rooms[id] = room
            metrics.lessonsLive.increment()
        }
        return room
    }

    /// The room if it is live in memory now (no loading).
    func liveRoom(for id: LessonID) -> LessonRoom? { rooms[id] }

    var all: [LessonRoom] { Array(rooms.values) }
}

import Logging
import ServiceLifecycle
import TirekCore
import TirekStore

/// The live lessons of this server, created on first join from the store (and rebuilt from the
/// lesson log after a restart).
actor RoomRegistry {
    private let store: any TirekStore
    private let clock: any ServerClock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let settings: RoomSettings
    private var rooms: [LessonID: LessonRoom] = [:]
    private var loading: [LessonID: Task<LessonRoom?, any Error>] = [:]

    init(store: any TirekStore, clock: any ServerClock, metrics: ServerMetrics, logger: Logger, settings: RoomSettings) {
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.settings = settings
    }

    /// The room of a lesson, or nil if there is no such lesson.
    func room(for id: LessonID) async throws -> LessonRoom? {
        if let room = rooms[id] { return room }
        if let task = loading[id] { return try await task.value }
        let task = Task { [store, clock, metrics, logger, settings] () throws -> LessonRoom? in
            guard let roster = try await store.roster(for: id) else { return nil }
            let room = try LessonRoom(roster: roster, store: store, clock: clock, metrics: metrics,
                                      logger: logger, settings: settings)
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

    /// Unloads every ended lesson that nobody is connected to (see `LessonRoom.retireIfIdle`), and
    /// returns how many. `RoomSweeper` calls it every `ServerConfig.roomSweepSeconds` (`--room-sweep`).
    @discardableResult
    func sweep() async -> Int {
        var unloaded = 0
        for (id, room) in rooms where await room.retireIfIdle() {
            // The actor may have been re-entered while the room was asked; drop only that room.
            if rooms[id] === room {
                rooms[id] = nil
                metrics.lessonsLive.decrement()
                unloaded += 1
            }
            await room.fanout.recorder?.finish()
        }
        if unloaded > 0 { logger.info("unloaded ended lessons", metadata: ["count": "\(unloaded)", "live": "\(rooms.count)"]) }
        return unloaded
    }
}

/// Sweeps the registry for ended lessons nobody is connected to, at a fixed interval, until the
/// server shuts down. After a sweep that unloaded lessons, and once more at the next sweep (the
/// rooms' last tasks may still hold them), freed memory is handed back to the system.
struct RoomSweeper: Service {
    let rooms: RoomRegistry
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var trimAgain = false
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                let unloaded = await rooms.sweep()
                if unloaded > 0 || trimAgain { HeapUsage.trim() }
                trimAgain = unloaded > 0
            }
        }
    }
}

import NIOCore
import Synchronization

/// Counts upgraded WebSocket channels still in memory, through weak references: after every client
/// has left, the count goes back to 0, else something keeps closed sockets (and their buffers)
/// alive. Served as `tirek_sockets_in_memory` and checked by `tirek soak` and `SocketLeakTests`.
final class SocketsInMemory: Sendable {
    private struct Entry: Sendable {
        weak var channel: (any Channel)?
    }

    private let entries = Mutex<[Entry]>([])

    func track(_ channel: any Channel) {
        entries.withLock { list in
            // Compacting when the list doubles keeps tracking O(1) amortised and the list bounded.
            if list.count >= 64, list.count.nonzeroBitCount == 1 { list.removeAll { $0.channel == nil } }
            list.append(Entry(channel: channel))
        }
    }

    /// The channels still alive; forgets the rest.
    func count() -> Int {
        entries.withLock { list in
            list.removeAll { $0.channel == nil }
            return list.count
        }
    }
}

import NIOEmbedded
import Testing
@_spi(Benchmarks) @testable import TirekServer

/// A server runs for months with thousands of joins a day: once a client has gone, nothing may keep
/// its socket (the channel, its pipeline and buffers) in memory.
@Suite struct SocketLeakTests {
    @Test func theTrackerCountsOnlyChannelsStillAlive() async throws {
        let sockets = SocketsInMemory()
        var kept: [EmbeddedChannel] = []
        for i in 0..<200 {
            let channel = EmbeddedChannel()
            sockets.track(channel)
            // A closed EmbeddedChannel is freed once nothing refers to it.
            if i % 10 == 0 { kept.append(channel) } else { _ = try channel.finish() }
        }
        #expect(sockets.count() == 20)
        for channel in kept { _ = try channel.finish() }
        kept.removeAll()
        #expect(sockets.count() == 0)
    }

    /// Hummingbird's router-based upgrade kept every upgraded channel alive through a reference
    /// cycle (about 3 KB a connection); `WebSocketEndpoint` upgrades without it.
    @Test func socketsOfClientsThatLeftAreFreed() async throws {
        let server = try await RunningServer.start()
        let lesson = try await LessonFixture.make(on: server, classrooms: 2, students: 5)
        let gauge = { () async throws -> Double in
            BroadcastTests.value(of: "tirek_sockets_in_memory", in: try await server.request(.get, "/metrics", admin: false).body)
        }
        var clients: [TestSocket] = []
        for participant in ["t-hub"] + lesson.participants(role: "student") {
            let socket = try await TestSocket.connect(lesson.url(server, participant))
            _ = try await socket.next("welcome")
            clients.append(socket)
        }
        #expect(try await gauge() == Double(clients.count))
        for client in clients { await client.close() }
        var left = try await gauge()
        for _ in 0..<150 where left != 0 {
            try await Task.sleep(for: .milliseconds(20))
            left = try await gauge()
        }
        #expect(left == 0, "sockets of clients that left are still in memory")
        try await server.stop()
    }
}

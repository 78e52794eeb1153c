import Foundation
import NIOCore
import Testing
import TirekCore
import TirekProtocol
@_spi(Benchmarks) @testable import TirekServer

/// The hub teacher's media reaches 200+ real WebSocket clients on loopback, while one client that
/// never reads costs only its bounded queue and does not slow anyone else.
@Suite struct BroadcastTests {
    @Test func twoHundredSubscribersGetEveryFrameDespiteAStalledOne() async throws {
        // Debug builds of the server and of 217 in-process clients share 2 cores here, so the
        // heartbeat is relaxed; throughput at scale is measured by `tirek loadgen` in release builds.
        let server = try await RunningServer.start { $0.heartbeatSeconds = 30 }
        // 4 classrooms × 52 device students + 4 screens + 4 local teachers + observer = 217 subscribers.
        let lesson = try await LessonFixture.make(on: server, classrooms: 4, students: 52)
        let subscriberIDs = lesson.roles.keys.filter { $0 != "t-hub" }.sorted()
        #expect(subscriberIDs.count >= 200)

        var sockets: [TestSocket] = []
        for id in subscriberIDs {
            let socket = try await TestSocket.connect(lesson.url(server, id), keepMedia: false)
            sockets.append(socket)
        }
        for socket in sockets { _ = try await socket.next("welcome") }
        // The stalled school: upgrades, then never reads a byte (a second connection of one student).
        let stalled = try await RawWebSocket.connect(port: server.port, path: "/v1/ws?token=\(lesson.token("s1-0"))", receiveBuffer: 4096)

        let hub = try await TestSocket.connect(lesson.url(server, "t-hub"))
        _ = try await hub.next("welcome")
        // 8 s of camera at 10 frames/s, 3 KB a frame (~250 kbit/s, a low-bandwidth rural stream), a keyframe each 2 s.
        let frames: UInt32 = 80
        let clock = ContinuousClock()
        let start = clock.now
        for sequence in 1...frames {
            try await hub.send(binary: MediaFrames.frame(track: .camera, sequence: sequence,
                                                          keyframe: sequence % 20 == 1, size: 3_000))
            try await Task.sleep(until: start + .milliseconds(Int64(sequence) * 100), clock: clock)
        }
        // Every reading subscriber receives every frame, in order.
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline, sockets.contains(where: { $0.mediaSequences.count < Int(frames) }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let expected = Array(1...frames)
        var complete = 0
        for socket in sockets where socket.mediaSequences == expected { complete += 1 }
        let counts = sockets.map(\.mediaSequences.count)
        #expect(complete == sockets.count,
                "\(sockets.count - complete) subscribers missed frames; received min \(counts.min() ?? 0) max \(counts.max() ?? 0); closed \(sockets.filter(\.isClosed).count) codes \(Set(sockets.compactMap(\.closeCode))); \(server.app.metrics.render().split(separator: "\n").filter { $0.contains("slow") || $0.contains("drops") }); first: \(sockets[0].mediaSequences.prefix(40))")

        // The stalled client's queue overflowed and dropped video (bounded memory), and nobody else dropped.
        let metrics = server.app.metrics.render()
        let dropped = Self.value(of: #"tirek_queue_drops_total{kind="video"}"#, in: metrics)
        #expect(dropped > 0, "the non-reading client should have dropped video: \(metrics)")
        #expect(dropped < Double(frames), "only the stalled client drops")
        #expect(sockets.allSatisfy { !$0.isClosed }, "readers stay connected")
        withExtendedLifetime(stalled) {}
        try await server.stop()
    }

    static func value(of series: String, in text: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}

import ArgumentParser
import Foundation
import TirekMedia

/// `tirek loadgen`: one hub teacher publishing real Opus + VP8 and N subscribers against a running
/// server on this machine; prints one JSON line and a table. See Benchmarks/RESULTS.md.
struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Load-test a running Tirek server on loopback: one publisher (Opus 50/s + VP8 30/s), N subscribers.",
        discussion: """
            Creates a lesson through the admin API, connects the hub teacher and the subscribers, measures for \
            --duration seconds after a warm-up, and prints one JSON line and a table. Latency is end to end: \
            each frame's envelope timestamp is the publisher's wall-clock send time in microseconds.
            """)

    @Option(help: "Server host: 127.0.0.1 or localhost only.")
    var host: String = "127.0.0.1"

    @OptionGroup var server: LoopbackServerOptions
    var port: Int { server.port }

    @Option(help: "Reading subscribers (counted for delivery and latency).")
    var subscribers: Int = 100

    @Option(help: "Measured seconds (1–600), after the warm-up.")
    var duration: Int = 20

    @Option(help: "Seconds between the publisher starting and the measurement (1–60).")
    var warmup: Int = 3

    @Option(help: "Extra subscribers that upgrade and never read (stalled links).")
    var slow: Int = 0

    @Option(help: "Extra subscribers that reconnect every 1–3 s.")
    var flapping: Int = 0

    @Option(help: "PID of the server, for its CPU and RSS (from /proc).")
    var serverPid: Int32?

    @Option(help: "Camera bitrate in kbit/s.")
    var videoKbps: Int = 1000

    @Option(help: "Camera width.")
    var width: Int = 640

    @Option(help: "Camera height.")
    var height: Int = 360

    @Option(help: "WebSocket upgrades in flight at once while connecting.")
    var connectBatch: Int = 50

    @Option(help: "Server under test: tirek, or nchan (the peer comparison; see Benchmarks/compare-nchan.sh).")
    var target: LoadTarget = .tirek

    @Option(help: "With --target nchan: nginx+nchan base URL (ws://127.0.0.1:PORT) serving /pub/<channel> and /sub/<channel>.")
    var nchanURL: String?

    func validate() throws {
        guard LoopbackHTTP.isLoopback(host) else { throw ValidationError("loadgen talks to 127.0.0.1 or localhost only, not \(host)") }
        guard (1...600).contains(duration) else { throw ValidationError("duration must be 1–600 seconds") }
        guard (1...60).contains(warmup) else { throw ValidationError("warmup must be 1–60 seconds") }
        guard subscribers >= 1, slow >= 0, flapping >= 0, subscribers + slow + flapping <= 20_000 else {
            throw ValidationError("subscribers ≥ 1, slow and flapping ≥ 0, at most 20000 in all")
        }
        guard (100...10_000).contains(videoKbps), (64...1920).contains(width), (64...1080).contains(height) else {
            throw ValidationError("video 100–10000 kbit/s, 64–1920 × 64–1080")
        }
        if target == .nchan { try validateNchan() }
    }

    func run() async throws {
        if target == .nchan { return try await runNchan() }
        let key = try server.requireAdminKey()
        let selfPID = getpid()
        log("encoding the synthetic source (\(width)x\(height) VP8 \(videoKbps) kbit/s, Opus 32 kbit/s)…")
        let (video, audio) = try encodeLoops()
        let total = subscribers + slow + flapping
        log("creating a lesson with \(total) subscribers through the admin API…")
        let lesson = try createLesson(adminKey: key, count: total)
        let tokens = lesson.students
        let baseline = serverPid.flatMap(ProcessSample.read)

        let window = LoadWindow()
        let stats = (0..<(subscribers + flapping)).map { _ in SubscriberStats() }
        let wsBase = "ws://127.0.0.1:\(port)/v1/ws?token="
        var tasks: [Task<Void, Never>] = []
        log("connecting \(subscribers) subscribers, \(flapping) flapping, \(slow) stalled…")
        for batchStart in stride(from: 0, to: subscribers + flapping, by: connectBatch) {
            let batch = batchStart..<min(batchStart + connectBatch, subscribers + flapping)
            for i in batch {
                let url = wsBase + tokens[i]
                let s = stats[i]
                tasks.append(Task {
                    if i < subscribers { await LoadClients.stay(url: url, stats: s, window: window) } else { await LoadClients.flap(url: url, stats: s, window: window) }
                })
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline,
                  batch.contains(where: { i in stats[i].state.withLock { $0.connects == 0 && $0.failures == 0 } }) {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        // Joins the server paced are retried: wait (up to 30 s) until every reader is in.
        let allIn = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < allIn, stats.prefix(subscribers).contains(where: { s in s.state.withLock { !$0.open } }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        var stalled: [StalledClient] = []
        for i in 0..<slow {
            stalled.append(try StalledClient(url: "ws://127.0.0.1:\(port)/v1/ws?token=\(tokens[subscribers + flapping + i])"))
        }
        let connectedBefore = stats.prefix(subscribers).filter { $0.state.withLock { $0.open } }.count
        log("\(connectedBefore)/\(subscribers) connected; publishing (warm-up \(warmup) s, then \(duration) s measured)…")

        let publisher = Publisher(video: video, audio: audio)
        let publisherTask = Task { await publisher.run(url: wsBase + lesson.hubToken, window: window) }
        try await Task.sleep(for: .seconds(warmup))
        let metricsBefore = (try? LoopbackHTTP.request("GET", port: port, path: "/metrics", adminKey: nil).text) ?? ""
        let serverA = serverPid.flatMap(ProcessSample.read)
        let selfA = ProcessSample.read(pid: selfPID)
        window.start.store(wallMicros(), ordering: .relaxed)
        try await Task.sleep(for: .seconds(duration))
        window.end.store(wallMicros(), ordering: .relaxed)
        let serverB = serverPid.flatMap(ProcessSample.read)
        let selfB = ProcessSample.read(pid: selfPID)
        // Frames still in flight at the end of the window get a second to arrive.
        try await Task.sleep(for: .seconds(1))
        let metricsAfter = (try? LoopbackHTTP.request("GET", port: port, path: "/metrics", adminKey: nil).text) ?? ""
        window.stop.store(true, ordering: .relaxed)

        let report = LoadReport.make(command: self, publisher: publisher.counts.withLock { $0 }, stats: stats,
                                     baseline: baseline, serverA: serverA, serverB: serverB, selfA: selfA, selfB: selfB,
                                     metricsBefore: metricsBefore, metricsAfter: metricsAfter, videoLoop: video)
        print(report.json)
        print(report.table)
        _ = publisherTask
        _ = tasks
        withExtendedLifetime(stalled) {}
        // The server sees the connections drop when the process exits.
        Foundation.exit(report.meetsTarget ? 0 : 3)
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data("loadgen: \(text)\n".utf8))
    }

    /// A 2 s VP8 loop (keyframe first, so it can repeat) and a 1 s Opus loop.
    func encodeLoops() throws -> ([(bytes: [UInt8], key: Bool)], [[UInt8]]) {
        let pattern = TestPattern(width: width, height: height, noise: 20)
        let encoder = try VP8Encoder(settings: .init(width: width, height: height, bitrateKbps: videoKbps, framesPerSecond: 30,
                                                     keyframeInterval: 0, cpuUsed: -8, threads: 1))
        var video: [(bytes: [UInt8], key: Bool)] = []
        // Two passes: the first lets rate control settle; the second (keyframe first) is the loop.
        for i in 0..<60 { _ = try encoder.encode(pattern.frame(i), frameIndex: i) }
        for i in 60..<120 {
            for chunk in try encoder.encode(pattern.frame(i), frameIndex: i, forceKeyframe: i == 60) {
                video.append((chunk.bytes, chunk.isKeyframe))
            }
        }
        let opus = try OpusEncoder(channels: 1, bitrate: 32_000)
        let tone = ToneGenerator(frequency: 440)
        let audio = try (0..<50).map { try opus.encode(tone.frame($0)) }
        return (video, audio)
    }

    struct Lesson {
        var hubToken: String
        var students: [String]
    }

    /// A hub teacher, classrooms of up to 50 device students, and a lesson starting in a minute.
    private func createLesson(adminKey: String, count: Int) throws -> Lesson {
        let roster = try LoopbackRoster.create(port: port, adminKey: adminKey, prefix: "lg\(wallMicros() / 1000)",
                                               students: count, perClassroom: 50, localTeachers: false)
        let tokens = try roster.createLesson(id: roster.prefix)
        return Lesson(hubToken: tokens[roster.hubTeacher]!, students: roster.students.map { tokens[$0]! })
    }
}

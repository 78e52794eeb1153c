import ArgumentParser
import Foundation
import NIOCore
import TirekProtocol
import TirekWireClient
#if canImport(Glibc)
import Glibc
#endif

/// Which server `tirek loadgen` measures.
enum LoadTarget: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A Tirek server: a lesson through the admin API, join tokens, `/v1/ws`.
    case tirek
    /// nginx with the nchan module, the peer in Benchmarks/compare-nchan.sh: one channel, the
    /// publisher on `/pub/<channel>` (`nchan_publisher websocket`), subscribers on `/sub/<channel>`.
    case nchan
}

/// `tirek loadgen --target nchan --nchan-url ws://127.0.0.1:PORT`: the same scenario against
/// nginx + nchan. Same publisher (the same pre-encoded Opus 50/s + VP8 30/s loops in the same
/// 16-byte envelope, timestamp = wall-clock send time), same subscriber accounting, same window,
/// same report; nchan relays each WebSocket message as is. What does not apply to nchan (queue
/// drops, slow and flapping subscribers, keyframe requests) is left out of the report.
extension LoadgenCommand {
    func validateNchan() throws {
        guard let nchanURL else { throw ValidationError("--target nchan needs --nchan-url ws://127.0.0.1:PORT") }
        guard let url = URLComponents(string: nchanURL), url.scheme == "ws", let host = url.host, LoopbackHTTP.isLoopback(host),
              url.path.isEmpty || url.path == "/" else {
            throw ValidationError("--nchan-url must be ws://127.0.0.1:PORT or ws://localhost:PORT, not \(nchanURL)")
        }
        guard slow == 0, flapping == 0 else { throw ValidationError("--slow and --flapping are for --target tirek only") }
    }

    func runNchan() async throws {
        let base = nchanURL!.hasSuffix("/") ? String(nchanURL!.dropLast()) : nchanURL!
        let channel = "lg\(wallMicros() / 1000)"
        log("encoding the synthetic source (\(width)x\(height) VP8 \(videoKbps) kbit/s, Opus 32 kbit/s)…")
        let (video, audio) = try encodeLoops()
        let baseline = serverPid.flatMap(ProcessSample.readTree)

        let window = LoadWindow()
        let stats = (0..<subscribers).map { _ in SubscriberStats() }
        let subURL = "\(base)/sub/\(channel)"
        var tasks: [Task<Void, Never>] = []
        log("nchan: connecting \(subscribers) subscribers to \(subURL)…")
        for batchStart in stride(from: 0, to: subscribers, by: connectBatch) {
            let batch = batchStart..<min(batchStart + connectBatch, subscribers)
            for i in batch {
                let s = stats[i]
                tasks.append(Task { await LoadClients.subscribe(url: subURL, stats: s, window: window, countText: true) })
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline,
                  batch.contains(where: { i in stats[i].state.withLock { $0.connects == 0 && $0.failures == 0 } }) {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        // nchan registers a WebSocket subscriber once the upgrade is answered; give the last batch a moment.
        try await Task.sleep(for: .milliseconds(200))
        let connectedBefore = stats.filter { $0.state.withLock { $0.open } }.count
        log("\(connectedBefore)/\(subscribers) connected; publishing (warm-up \(warmup) s, then \(duration) s measured)…")

        let publisher = Publisher(video: video, audio: audio)
        let publisherTask = Task { await publisher.run(url: "\(base)/pub/\(channel)", window: window) }
        try await Task.sleep(for: .seconds(warmup))
        let serverA = serverPid.flatMap(ProcessSample.readTree)
        let selfA = ProcessSample.read(pid: getpid())
        window.start.store(wallMicros(), ordering: .relaxed)
        try await Task.sleep(for: .seconds(duration))
        window.end.store(wallMicros(), ordering: .relaxed)
        let serverB = serverPid.flatMap(ProcessSample.readTree)
        let selfB = ProcessSample.read(pid: getpid())
        try await Task.sleep(for: .seconds(1))
        window.stop.store(true, ordering: .relaxed)

        var report = LoadReport.make(command: self, publisher: publisher.counts.withLock { $0 }, stats: stats,
                                     baseline: baseline, serverA: serverA, serverB: serverB, selfA: selfA, selfB: selfB,
                                     metricsBefore: "", metricsAfter: "", videoLoop: video)
        let notApplicable: Set<String> = ["server_drops_audio", "server_drops_video", "slow_closed", "keyframe_requests",
                                          "flapping_connects", "slow", "flapping"]
        report.fields.removeAll { notApplicable.contains($0.0) }
        report.fields.insert(("target", "nchan"), at: 0)
        report.fields.append(("nchan_channel", channel))
        print(report.json)
        print(report.table)
        _ = publisherTask
        _ = tasks
        Foundation.exit(report.meetsTarget ? 0 : 3)
    }
}

extension ProcessSample {
    /// A process and its direct children added up (nginx: the master and its workers).
    static func readTree(pid: Int32) -> ProcessSample? {
        guard var total = read(pid: pid) else { return nil }
        for child in children(of: pid) {
            guard let c = read(pid: child) else { continue }
            total.cpuSeconds += c.cpuSeconds
            total.rssBytes += c.rssBytes
            total.peakRSSBytes += c.peakRSSBytes
        }
        return total
    }

    /// Direct children, from the parent field of each /proc/<pid>/stat.
    static func children(of parent: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { name -> Int32? in
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }
}

import Foundation

/// The load generator's result: one JSON line and a readable table.
struct LoadReport {
    var fields: [(String, Any)]
    var meetsTarget: Bool

    /// The issue's target: ≥ 99.9 % of frames delivered to reading subscribers, p99 ≤ 100 ms.
    static let targetDelivery = 0.999
    static let targetP99Millis = 100.0

    static func make(command c: LoadgenCommand, publisher p: Publisher.Counts, stats: [SubscriberStats],
                     baseline: ProcessSample?, serverA: ProcessSample?, serverB: ProcessSample?,
                     selfA: ProcessSample?, selfB: ProcessSample?, metricsBefore: String, metricsAfter: String,
                     videoLoop: [(bytes: [UInt8], key: Bool)]) -> LoadReport {
        let readers = stats.prefix(c.subscribers).map { $0.state.withLock { $0 } }
        let flappers = stats.dropFirst(c.subscribers).map { $0.state.withLock { $0 } }
        let expectedEach = p.audioInWindow + p.videoInWindow
        let delivered = readers.reduce(0) { $0 + $1.framesInWindow }
        let expected = expectedEach * readers.count
        let ratio = expected > 0 ? Double(delivered) / Double(expected) : 0
        var latency = LatencyHistogram()
        for r in readers { latency.merge(r.latency) }
        let connected = readers.filter(\.open).count
        func delta(_ prefix: String) -> Int { Int(prometheusSum(metricsAfter, prefix: prefix) - prometheusSum(metricsBefore, prefix: prefix)) }
        let dropsAudio = delta(#"tirek_queue_drops_total{kind="audio"}"#)
        let dropsVideo = delta(#"tirek_queue_drops_total{kind="video"}"#)
        let slowClosed = delta("tirek_slow_connections_closed_total")
        let cpu = serverA.flatMap { a in serverB.map { ProcessSample.cpuPercent(a, $0) } }
        let loadgenCPU = selfA.flatMap { a in selfB.map { ProcessSample.cpuPercent(a, $0) } }
        let rssMB = serverB.map { Double($0.rssBytes) / 1_048_576 }
        let peakMB = serverB.map { Double($0.peakRSSBytes) / 1_048_576 }
        let all = c.subscribers + c.slow + c.flapping
        let perSubscriberKB: Double? = baseline.flatMap { b in serverB.map { Double($0.rssBytes - b.rssBytes) / 1024 / Double(max(all, 1)) } }
        let p50 = latency.quantileMillis(0.5), p99 = latency.quantileMillis(0.99)
        let maxMs = Double(latency.maxMicros) / 1000
        let videoBytes = videoLoop.reduce(0) { $0 + $1.bytes.count }
        let avgFrame = videoLoop.isEmpty ? 0 : videoBytes / videoLoop.count
        let meets = ratio >= targetDelivery && p99 <= targetP99Millis && connected == c.subscribers
        func round(_ x: Double, _ places: Double = 1) -> Double { (x * pow(10, places)).rounded() / pow(10, places) }
        var fields: [(String, Any)] = [
            ("subscribers", c.subscribers), ("slow", c.slow), ("flapping", c.flapping), ("duration_s", c.duration),
            ("connected", connected),
            ("expected_per_subscriber", expectedEach), ("audio_frames", p.audioInWindow), ("video_frames", p.videoInWindow),
            ("delivered", delivered), ("expected", expected), ("delivery_ratio", round(ratio, 5)),
            ("missing", expected - delivered),
            ("discontinuities", readers.reduce(0) { $0 + $1.discontinuities }),
            ("server_drops_audio", dropsAudio), ("server_drops_video", dropsVideo), ("slow_closed", slowClosed),
            ("latency_p50_ms", round(p50, 2)), ("latency_p99_ms", round(p99, 2)), ("latency_max_ms", round(maxMs, 2)),
            ("video_kbps", round(Double(videoBytes * 8) / 2 / 1000, 0)), ("video_frame_avg_bytes", avgFrame),
            ("flapping_connects", flappers.reduce(0) { $0 + $1.connects }),
            ("connect_failures", readers.reduce(0) { $0 + $1.failures }),
            ("keyframe_requests", p.keyframeRequests),
            ("meets_target", meets),
        ]
        if let cpu { fields.append(("server_cpu_percent", round(cpu))) }
        if let rssMB { fields.append(("server_rss_mb", round(rssMB))) }
        if let peakMB { fields.append(("server_peak_rss_mb", round(peakMB))) }
        if let perSubscriberKB { fields.append(("server_rss_per_subscriber_kb", round(perSubscriberKB))) }
        if let cpu, c.subscribers > 0 { fields.append(("server_cpu_percent_per_1000", round(cpu * 1000 / Double(all)))) }
        if let loadgenCPU { fields.append(("loadgen_cpu_percent", round(loadgenCPU))) }
        if !p.error.isEmpty { fields.append(("publisher_error", p.error)) }
        if let e = readers.first(where: { !$0.lastError.isEmpty })?.lastError { fields.append(("first_error", String(e.prefix(200)))) }
        return LoadReport(fields: fields, meetsTarget: meets)
    }

    var json: String {
        "{" + fields.map { key, value -> String in
            let v: String
            switch value {
            case let s as String: v = "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case let b as Bool: v = b ? "true" : "false"
            default: v = "\(value)"
            }
            return "\"\(key)\":\(v)"
        }.joined(separator: ",") + "}"
    }

    var table: String {
        let value = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        func f(_ k: String) -> String { value[k].map { "\($0)" } ?? "n/a" }
        let rows: [(String, String)] = [
            ("subscribers (reading / slow / flapping)", "\(f("subscribers")) / \(f("slow")) / \(f("flapping"))"),
            ("connected (reading)", f("connected")),
            ("delivered / expected", "\(f("delivered")) / \(f("expected")) (\(f("delivery_ratio")))"),
            ("server drops audio / video", "\(f("server_drops_audio")) / \(f("server_drops_video"))"),
            ("slow connections closed", f("slow_closed")),
            ("latency p50 / p99 / max (ms)", "\(f("latency_p50_ms")) / \(f("latency_p99_ms")) / \(f("latency_max_ms"))"),
            ("server CPU % (of one core)", f("server_cpu_percent")),
            ("server RSS MB (peak)", "\(f("server_rss_mb")) (\(f("server_peak_rss_mb")))"),
            ("server RSS per subscriber KB", f("server_rss_per_subscriber_kb")),
            ("loadgen CPU %", f("loadgen_cpu_percent")),
            ("video kbit/s, avg frame bytes", "\(f("video_kbps")), \(f("video_frame_avg_bytes"))"),
            ("target (≥99.9 %, p99 ≤ 100 ms)", meetsTarget ? "met" : "NOT met"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}

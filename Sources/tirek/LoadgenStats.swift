import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Latency histogram in microseconds: 250 µs buckets to 50 ms, 1 ms to 1 s, 10 ms to 10 s, then one
/// overflow bucket; the exact maximum is kept. About 8 KB, one per subscriber, merged at the end.
struct LatencyHistogram: Sendable {
    static let bucketCount = 2051
    var counts = [UInt32](repeating: 0, count: bucketCount)
    var total = 0
    var maxMicros: Int64 = 0

    static func bucket(_ us: Int64) -> Int {
        let us = max(0, us)
        if us < 50_000 { return Int(us / 250) }
        if us < 1_000_000 { return 200 + Int((us - 50_000) / 1000) }
        if us < 10_000_000 { return 1150 + Int((us - 1_000_000) / 10_000) }
        return bucketCount - 1
    }

    /// Upper edge of a bucket in microseconds.
    static func upperEdge(_ b: Int) -> Int64 {
        if b < 200 { return Int64(b + 1) * 250 }
        if b < 1150 { return 50_000 + Int64(b - 200 + 1) * 1000 }
        if b < bucketCount - 1 { return 1_000_000 + Int64(b - 1150 + 1) * 10_000 }
        return .max
    }

    mutating func add(_ us: Int64) {
        counts[Self.bucket(us)] &+= 1
        total += 1
        if us > maxMicros { maxMicros = us }
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in 0..<Self.bucketCount { counts[i] &+= other.counts[i] }
        total += other.total
        maxMicros = max(maxMicros, other.maxMicros)
    }

    /// The quantile `q` (0…1) in milliseconds: the upper edge of its bucket, capped at the maximum.
    func quantileMillis(_ q: Double) -> Double {
        guard total > 0 else { return 0 }
        let rank = Int((Double(total) * q).rounded(.up))
        var seen = 0
        for (b, c) in counts.enumerated() {
            seen += Int(c)
            if seen >= rank { return Double(min(Self.upperEdge(b), maxMicros)) / 1000 }
        }
        return Double(maxMicros) / 1000
    }
}

/// Wall-clock microseconds since the Unix epoch (the load generator's send timestamps).
func wallMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// CPU time and memory of a process, from /proc/<pid>.
struct ProcessSample {
    /// utime + stime in seconds.
    var cpuSeconds: Double
    var rssBytes: Int
    /// Peak resident set (VmHWM).
    var peakRSSBytes: Int
    var at: ContinuousClock.Instant

    static func read(pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        func kB(_ key: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(key) {
                return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
            }
            return 0
        }
        return ProcessSample(cpuSeconds: (utime + stime) / ticks, rssBytes: kB("VmRSS:"), peakRSSBytes: kB("VmHWM:"),
                             at: .now)
    }

    /// Percent of one core used between two samples.
    static func cpuPercent(_ a: ProcessSample, _ b: ProcessSample) -> Double {
        let wall = (b.at - a.at)
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        return seconds > 0 ? (b.cpuSeconds - a.cpuSeconds) / seconds * 100 : 0
    }
}

/// The sum of a Prometheus counter's series whose line starts with `prefix`.
func prometheusSum(_ text: String, prefix: String) -> Double {
    var sum = 0.0
    for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
        sum += Double(line.split(separator: " ").last ?? "") ?? 0
    }
    return sum
}

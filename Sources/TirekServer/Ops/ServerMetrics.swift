import CoreMetrics
import Prometheus

/// The server's metrics, through swift-metrics with a Prometheus registry per server instance
/// (so tests can run several servers in one process). Served at `/metrics`.
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let connections: CoreMetrics.Meter
    let lessonsLive: CoreMetrics.Meter
    /// Lesson rooms alive in memory (live, or unloaded but still referenced): back to 0 when every
    /// lesson has been unloaded, else something leaks a room.
    let roomsInMemory: CoreMetrics.Meter
    /// Upgraded sockets still in memory (`SocketsInMemory`), set when `/metrics` is read.
    let socketsInMemory: CoreMetrics.Meter
    /// The C heap in use (`HeapUsage`), set when `/metrics` is read.
    let heapInUse: CoreMetrics.Meter
    let controlIn: CoreMetrics.Counter
    let mediaIn: CoreMetrics.Counter
    let controlOut: CoreMetrics.Counter
    let mediaOut: CoreMetrics.Counter
    let audioDropped: CoreMetrics.Counter
    let videoDropped: CoreMetrics.Counter
    let errorsSent: CoreMetrics.Counter
    let slowClosed: CoreMetrics.Counter
    let upgradesRefused: CoreMetrics.Counter
    // The low-bandwidth camera rendition (LowBandwidthRendition).
    let renditionsActive: CoreMetrics.Meter
    let renditionFrames: CoreMetrics.Counter
    let renditionDropped: CoreMetrics.Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let f = PrometheusMetricsFactory(registry: registry)
        connections = CoreMetrics.Meter(label: "tirek_connections", factory: f)
        lessonsLive = CoreMetrics.Meter(label: "tirek_lessons_live", factory: f)
        roomsInMemory = CoreMetrics.Meter(label: "tirek_rooms_in_memory", factory: f)
        socketsInMemory = CoreMetrics.Meter(label: "tirek_sockets_in_memory", factory: f)
        heapInUse = CoreMetrics.Meter(label: "tirek_heap_in_use_bytes", factory: f)
        controlIn = CoreMetrics.Counter(label: "tirek_messages_in_total", dimensions: [("kind", "control")], factory: f)
        mediaIn = CoreMetrics.Counter(label: "tirek_messages_in_total", dimensions: [("kind", "media")], factory: f)
        controlOut = CoreMetrics.Counter(label: "tirek_messages_out_total", dimensions: [("kind", "control")], factory: f)
        mediaOut = CoreMetrics.Counter(label: "tirek_messages_out_total", dimensions: [("kind", "media")], factory: f)
        audioDropped = CoreMetrics.Counter(label: "tirek_queue_drops_total", dimensions: [("kind", "audio")], factory: f)
        videoDropped = CoreMetrics.Counter(label: "tirek_queue_drops_total", dimensions: [("kind", "video")], factory: f)
        errorsSent = CoreMetrics.Counter(label: "tirek_errors_sent_total", factory: f)
        slowClosed = CoreMetrics.Counter(label: "tirek_slow_connections_closed_total", factory: f)
        upgradesRefused = CoreMetrics.Counter(label: "tirek_upgrades_refused_total", factory: f)
        renditionsActive = CoreMetrics.Meter(label: "tirek_renditions_active", factory: f)
        renditionFrames = CoreMetrics.Counter(label: "tirek_rendition_frames_total", factory: f)
        renditionDropped = CoreMetrics.Counter(label: "tirek_rendition_drops_total", factory: f)
    }

    public func render() -> String { registry.emitToString() }
}

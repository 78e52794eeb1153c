import NIOCore

/// Caps the kernel send buffer of an upgraded connection. Left alone, Linux lets a non-reading peer
/// absorb megabytes (tens of seconds of a lesson's video) before the server notices; with a small
/// buffer a stalled school backs up into its own bounded queue within about a second of media,
/// where the drop policy keeps its latency bounded and everyone else unaffected.
enum SendBufferLimiter {
    static func apply(_ bytes: Int, to channel: any Channel) async {
        try? await channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(bytes)).get()
    }
}

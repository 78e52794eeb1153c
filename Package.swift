// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "tirek",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tirek", targets: ["tirek"]),
        .library(name: "TirekCore", targets: ["TirekCore"]),
        // For the fuzz package in Fuzz/ and the micro-benchmarks package in Benchmarks/
        // (hot-path server types are `@_spi(Benchmarks)`).
        .library(name: "TirekProtocol", targets: ["TirekProtocol"]),
        .library(name: "TirekServer", targets: ["TirekServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure lesson core: vocabulary and the lesson engine. No I/O, injected clock.
        .target(name: "TirekCore"),
        // Pure interaction rules: hand-raise queues, chat, polls.
        .target(name: "TirekClassroom", dependencies: ["TirekCore"]),
        // Pure attendance ledger: online time from join/leave events.
        .target(name: "TirekAttendance", dependencies: ["TirekCore"]),
        // Wire protocol: control messages (JSON), binary media envelope, validation.
        .target(name: "TirekProtocol", dependencies: [
            "TirekCore", "TirekClassroom",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Storage protocol and the embedded SQLite store.
        .target(name: "TirekStore", dependencies: [
            "TirekCore", "TirekProtocol",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The production store: PostgreSQL through postgres-nio's connection pool.
        .target(name: "TirekPostgres", dependencies: [
            "TirekCore", "TirekStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Codecs: libopus and libvpx through a small C shim.
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CVpx", pkgConfig: "vpx", providers: [.apt(["libvpx-dev"])]),
        .target(name: "CCodecShim", dependencies: ["COpus", "CVpx"]),
        // QR codes of join links, through libqrencode.
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(name: "TirekMedia", dependencies: ["CCodecShim"]),
        // The C heap in use (glibc malloc_info), for the tirek_heap_in_use_bytes gauge.
        .target(name: "CHeapUsage"),
        // The server: HTTP API, WebSocket sessions, fan-out, tokens, metrics.
        .target(name: "TirekServer", dependencies: [
            "TirekCore", "TirekProtocol", "TirekStore", "TirekClassroom", "TirekAttendance", "TirekMedia", "CQRencode", "CHeapUsage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // A small WebSocket client for the load generator, soak and tests (handlers in place before the 101).
        .target(name: "CEpoll"),
        .target(name: "TirekWireClient", dependencies: [
            "CEpoll",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .executableTarget(name: "tirek", dependencies: [
            "TirekServer", "TirekMedia", "TirekPostgres", "TirekWireClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TirekCoreTests", dependencies: ["TirekCore"]),
        .testTarget(name: "TirekClassroomTests", dependencies: ["TirekClassroom"]),
        .testTarget(name: "TirekAttendanceTests", dependencies: ["TirekAttendance"]),
        .testTarget(name: "TirekProtocolTests", dependencies: ["TirekProtocol"]),
        .testTarget(name: "TirekMediaTests", dependencies: ["TirekMedia"]),
        .testTarget(name: "TirekStoreTests", dependencies: ["TirekStore", "TirekPostgres"]),
        .testTarget(name: "TirekServerTests", dependencies: [
            "TirekServer", "TirekMedia", "TirekPostgres", "TirekWireClient",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
    ]
)

// swift-tools-version:6.2
// libFuzzer targets over the wire protocol. Built only by scripts/fuzz.sh, with
// `swift build --package-path Fuzz --scratch-path .build-fuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address`;
// the main package's `swift build` never sees this directory. See Fuzz/README.md.
import PackageDescription

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
// gold, the default linker here, keeps only one object's __sancov_cntrs section (544 of ~64 000
// coverage counters), so libFuzzer sees no coverage; lld keeps them all.
let link: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld", "-sanitize=fuzzer,address"])]

let package = Package(
    name: "tirek-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tirek", path: ".."),
    ],
    targets: [
        // JSON text frames → ControlDecoder (decode + validate), as WebSocketSession does.
        .executableTarget(name: "ControlFuzzer", dependencies: [
            .product(name: "TirekProtocol", package: "tirek"),
        ], swiftSettings: fuzzer, linkerSettings: link),
        // Binary frames → MediaHeader.parse on a ByteBuffer, as WebSocketSession.publish does.
        .executableTarget(name: "EnvelopeFuzzer", dependencies: [
            .product(name: "TirekProtocol", package: "tirek"),
        ], swiftSettings: fuzzer, linkerSettings: link),
    ]
)

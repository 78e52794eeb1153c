// swift-tools-version: 6.1
// Micro-benchmarks of Tirek's hot paths (ordo-one/benchmark). Run from the repository root:
//   sh scripts/bench.sh            (or: swift package --package-path Benchmarks benchmark)
import PackageDescription

let package = Package(
    name: "TirekBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tirek", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "TirekBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TirekServer", package: "tirek"),
                .product(name: "TirekProtocol", package: "tirek"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/TirekBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

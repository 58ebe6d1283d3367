// swift-tools-version:6.0
import PackageDescription

// Benchmark executables, never shipped: the scripts under Scripts/ build and run them beside
// `sharemark`, so that what is timed is timed from outside the code under test.
let package = Package(
    name: "SharemarkBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Sharemark", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // Lookups by id through the library, timed around many calls (Scripts/bench-index.sh).
        .executableTarget(
            name: "lookup-bench",
            dependencies: [.product(name: "SharemarkArchive", package: "Sharemark")]),
        // The framework's ceiling: a bare Hummingbird route returning bytes from memory
        // (Scripts/load-test.sh compares the service with it).
        .executableTarget(
            name: "bare-route",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
    ]
)

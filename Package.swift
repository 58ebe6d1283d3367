// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sharemark",
    // Sharemark runs on Linux (it calls Linux-only APIs: `syncfs`, `st_mtim`); this line only
    // sets the minimum for the packages it depends on, which SwiftPM asks for.
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sharemark", targets: ["sharemark"]),
        .library(name: "SharemarkQR", targets: ["SharemarkQR"]),
        .library(name: "SharemarkArchive", targets: ["SharemarkArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, wrapped once by SharemarkQR and used nowhere else.
        .systemLibrary(
            name: "CQREncode", pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CZBar", pkgConfig: "zbar",
            providers: [.apt(["libzbar-dev"])]),

        // libpng reports errors by longjmp, which Swift cannot catch: this small C target owns
        // the setjmp and turns libpng failures into return codes. Used only by SharemarkQR.
        // zlib for adler32 in the shim's own deflate encoder (libpng links it anyway).
        .target(name: "CPNGShim", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("z")]),
        // libqrencode's mask choice made on bit rows (three quarters of its time went there);
        // the symbols stay libqrencode's own, byte for byte. Used only by SharemarkQR.
        .target(name: "CQRShim", dependencies: ["CQREncode"]),
        // CPNG for libpng's version only (LibraryVersions); all of libpng's work goes through the shim.
        // The QR options model (level, scale, margin, colours, PNG style) and its errors, pure
        // Swift: what the archive's configuration holds, without linking a C library.
        .target(name: "SharemarkQROptions"),
        .target(name: "SharemarkQR", dependencies: ["SharemarkQROptions", "CQREncode", "CQRShim", "CPNG", "CPNGShim", "CZBar"]),
        // GRDBSQLite: the C API of the libsqlite3 GRDB links, for binding the index's rows and
        // stepping lookups' statements without GRDB's per-value boxing and `Row`
        // (IndexRecords.swift); used inside the target only.
        .target(
            name: "SharemarkArchive",
            dependencies: [
                "SharemarkQROptions", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        .target(name: "SharemarkJobs", dependencies: ["SharemarkQR", "SharemarkArchive"]),
        .target(
            name: "SharemarkServer",
            dependencies: [
                "SharemarkQR", "SharemarkArchive", "SharemarkJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "sharemark",
            dependencies: [
                "SharemarkQR", "SharemarkArchive", "SharemarkJobs", "SharemarkServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // What the test targets share: one process runner (and the built `sharemark` binary's
        // location), one PNG/CRC-32/zlib builder. A target, not a product.
        .target(name: "SharemarkTestSupport", path: "Tests/SharemarkTestSupport"),
        .testTarget(name: "SharemarkQRTests", dependencies: ["SharemarkQR", "SharemarkTestSupport"]),
        .testTarget(
            name: "SharemarkArchiveTests", dependencies: ["SharemarkArchive", "SharemarkQR"],
            exclude: ["Fixtures"]),
        .testTarget(name: "SharemarkJobsTests", dependencies: ["SharemarkJobs", "SharemarkTestSupport"]),
        // Bad input, fuzz findings, crash safety and concurrency, through the libraries and
        // the built `sharemark` binary. Tests/Fuzz holds libFuzzer entry points (Scripts/fuzz.sh).
        .testTarget(
            name: "SharemarkHardeningTests",
            dependencies: [
                "SharemarkQR", "SharemarkArchive", "SharemarkJobs", "SharemarkTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "SharemarkServerTests",
            dependencies: [
                "SharemarkServer", "SharemarkJobs", "SharemarkTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
)

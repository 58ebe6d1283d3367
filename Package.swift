// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sharemark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sharemark", targets: ["sharemark"]),
        .library(name: "SharemarkQR", targets: ["SharemarkQR"]),
        .library(name: "SharemarkArchive", targets: ["SharemarkArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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

        .target(name: "SharemarkQR", dependencies: ["CQREncode", "CPNG", "CZBar"]),
        .target(
            name: "SharemarkArchive",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "sharemark",
            dependencies: [
                "SharemarkQR", "SharemarkArchive",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "SharemarkQRTests", dependencies: ["SharemarkQR"]),
        .testTarget(
            name: "SharemarkArchiveTests", dependencies: ["SharemarkArchive"],
            exclude: ["Fixtures"]),
    ]
)

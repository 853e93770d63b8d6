// swift-tools-version:6.0
// exp: reproducible facial-expression-recognition experiments (HA-GAN, Ali, Isler and Hughes).
// Targets follow the founding design: see README.md, section "Architecture".
import PackageDescription

let package = Package(
    name: "exp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "exp", targets: ["exp"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "FaceData", targets: ["FaceData"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "NN", dependencies: ["COpenBLAS"]),
        .target(name: "NNTesting", dependencies: ["NN"]),
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("tiff")]
        ),
        .target(name: "FaceData", dependencies: ["NN", "CImageCodecs"]),
        .target(name: "Benchmarks", dependencies: ["NN", "FaceData", "Models"]),
        .target(name: "Models", dependencies: ["NN"]),
        .target(name: "Tracking", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "CProcessControl"),
        .target(name: "Runner", dependencies: ["NN", "FaceData", "Models", "Tracking", "CProcessControl"]),
        .target(name: "Report", dependencies: ["Tracking"]),
        .executableTarget(
            name: "exp",
            dependencies: [
                "NN",
                "FaceData",
                "Benchmarks",
                "Models",
                "Tracking",
                "Runner",
                "Report",
                "CProcessControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NNTests", dependencies: ["NN", "NNTesting"]),
        .testTarget(name: "FaceDataTests", dependencies: ["FaceData", "NN"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN"]),
        .testTarget(
            name: "TrackingTests",
            dependencies: ["Tracking", "NN", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Tracking", "Models", "FaceData", "NN"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Tracking"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5]
)

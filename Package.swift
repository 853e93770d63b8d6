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
        .target(name: "Runner", dependencies: ["NN", "FaceData"]),
        .target(name: "Report"),
        .executableTarget(
            name: "exp",
            dependencies: [
                "NN",
                "FaceData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NNTests", dependencies: ["NN", "NNTesting"]),
        .testTarget(name: "FaceDataTests", dependencies: ["FaceData", "NN"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner"]),
        .testTarget(name: "ReportTests", dependencies: ["Report"]),
    ],
    swiftLanguageModes: [.v5]
)

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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "Vocabulary"),
        .target(name: "Hashing"),
        // The engine's inner loops that are C (im2col, col2im, BatchNorm), built for AVX-512, AVX2 and
        // SSE, the widest the CPU has chosen at start (see include/kernels.h).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "NN", dependencies: ["COpenBLAS", "CKernels", "Hashing"]),
        .target(name: "NNTesting", dependencies: ["NN"]),
        .target(name: "TestSupport"),
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("tiff")]
        ),
        // dlib's face detector and 68-point shape predictor (Debian: libdlib-dev, pkg-config dlib-1;
        // the model file comes from libdlib-data). dlib's headers call CBLAS (DLIB_USE_BLAS): those
        // calls bind to the OpenBLAS that NN links, the same library Debian's libblas.so.3 points to.
        .target(
            name: "CFaceDetection",
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("openblas")]
        ),
        .target(name: "FaceData", dependencies: ["NN", "CImageCodecs", "CFaceDetection", "Hashing", "Vocabulary"]),
        .target(name: "SyntheticFaces", dependencies: ["FaceData", "NN", "Vocabulary"]),
        .target(name: "Models", dependencies: ["NN", "Vocabulary"]),
        .target(name: "Spec", dependencies: ["Vocabulary", "Hashing"]),
        .target(name: "RunLog", dependencies: ["Spec", "Hashing", "Vocabulary", .product(name: "GRDB", package: "GRDB.swift"),
                                              .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(name: "CProcessControl"),
        .target(name: "Runner", dependencies: ["NN", "FaceData", "SyntheticFaces", "Models", "Spec", "RunLog", "Vocabulary", "Hashing", "CProcessControl"]),
        .target(name: "Benchmarks", dependencies: ["NN", "FaceData", "SyntheticFaces", "Models", "Runner", "RunLog", "Spec", "Vocabulary"]),
        .target(name: "Report", dependencies: ["Spec", "RunLog", "Vocabulary"]),
        // `exp serve`: the local web view of a run log (Hummingbird on SwiftNIO; pages built in).
        .target(name: "Serve", dependencies: ["Report", "RunLog", "Runner", "Spec", "Vocabulary", .product(name: "Hummingbird", package: "hummingbird")]),
        .executableTarget(
            name: "exp",
            dependencies: [
                "Runner", "Report", "Serve", "RunLog", "Spec", "FaceData", "SyntheticFaces", "Benchmarks", "NN", "Vocabulary", "CProcessControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NNTests", dependencies: ["NN", "NNTesting", "Vocabulary"]),
        .testTarget(name: "FaceDataTests", dependencies: ["FaceData", "NN", "Vocabulary", "TestSupport"]),
        .testTarget(name: "SyntheticFacesTests", dependencies: ["SyntheticFaces", "FaceData", "NN", "Vocabulary", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "Vocabulary"]),
        .testTarget(name: "SpecTests", dependencies: ["Spec", "Vocabulary", "Hashing", "NN", "TestSupport"]),
        .testTarget(
            name: "RunLogTests",
            dependencies: ["RunLog", "Spec", "Hashing", "Vocabulary", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "RunnerTests",
            dependencies: ["Runner", "Serve", "Spec", "RunLog", "Models", "FaceData", "SyntheticFaces", "NN", "Vocabulary", "TestSupport",
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Spec", "RunLog", "Vocabulary", "TestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx14
)

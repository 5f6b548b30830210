// swift-tools-version:5.9
// Latchkey Swift package: the uniffi-generated wrapper (Sources/Latchkey/Generated/Latchkey.swift,
// written by `cargo xtask bindings`), a small async layer (Sources/Latchkey/Latchkey+Async.swift)
// and the Rust library as a binary target (LatchkeyFFI.xcframework, built on macOS with
// `cargo xtask xcframework`; it carries latchkeyFFI.h and its module map).
import PackageDescription

let package = Package(
    name: "Latchkey",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Latchkey", targets: ["Latchkey"]),
    ],
    targets: [
        .binaryTarget(name: "LatchkeyFFI", path: "LatchkeyFFI.xcframework"),
        .target(
            name: "Latchkey",
            dependencies: ["LatchkeyFFI"],
            path: "Sources/Latchkey"
        ),
        .testTarget(
            name: "LatchkeyTests",
            dependencies: ["Latchkey"],
            path: "Tests/LatchkeyTests"
        ),
    ]
)

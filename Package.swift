// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ezio-swift",
    products: [
        .executable(name: "ezio", targets: ["ezio"]),
        .executable(name: "ezio-boot", targets: ["ezio-boot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
    ],
    targets: [
        // C shims: ioctl numbers and non-variadic ioctl wrappers Swift cannot import.
        .target(name: "CLinux"),
        // System libraries, found through pkg-config.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CURing", pkgConfig: "liburing", providers: [.apt(["liburing-dev"])]),
        // libudev, loaded with dlopen at run time (no static libudev exists for the boot image).
        .target(name: "CUdev", linkerSettings: [.linkedLibrary("dl")]),

        // The git commit of the build (BuildInfoPlugin), for `ezio --version`.
        .target(name: "BuildInfo", plugins: ["BuildInfoPlugin"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),

        // Pure data: bencode, metainfo, info-hash, EZIO extent layout, partclone torrent.info.
        .target(name: "Torrent", dependencies: ["CCrypto"]),
        // Pure protocol: wire messages and codec, handshakes, tracker codec, piece picker.
        // No sockets, no files (NIOCore only for ByteBuffer and the decoder protocol).
        .target(
            name: "PeerProtocol",
            dependencies: ["Torrent", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // The only place that touches devices and files: system calls, block devices,
        // extent-mapped reads, the hashing threads.
        .target(
            name: "BlockIO",
            dependencies: [
                "Torrent", "CLinux", "CURing",
                .product(name: "Logging", package: "swift-log"),
                // Locks TSan can see (pthread): Synchronization.Mutex's futex path is invisible
                // to it, so every contended Mutex was reported as a race.
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Block device discovery through libudev (sysfs underneath, so it works without udevd).
        .target(name: "Devices", dependencies: ["CUdev"]),
        // The engine: NIO peer connections on all event loops, tracker client and embedded
        // tracker, sessions, choking, request pipelining. Storage only through PieceStore.
        .target(
            name: "Swarm",
            dependencies: [
                "PeerProtocol", "Torrent",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // What a user runs: create, info and verify jobs.
        .target(
            name: "Appliance",
            dependencies: [
                "Torrent", "BlockIO", "PeerProtocol", "Swarm", "Devices", "CLinux", "BuildInfo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // EZIO's gRPC control API (package ezio, service EZIO) over the daemon's torrents.
        // Generated code from Protos/ezio.proto lives in Generated/ (scripts/generate-grpc).
        .target(
            name: "Control",
            dependencies: [
                "Appliance", "Torrent",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command line: every subcommand but the daemon, and what runs around them.
        .target(
            name: "CLI",
            dependencies: [
                "Appliance", "Torrent", "BlockIO", "PeerProtocol", "Swarm", "CLinux", "Devices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `ezio`: the CLI plus the EZIO-compatible gRPC daemon.
        .executableTarget(
            name: "ezio",
            dependencies: [
                "CLI", "Appliance", "Control", "PeerProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `ezio-boot`: the CLI without the daemon, for the network-boot image (no gRPC or TLS).
        .executableTarget(
            name: "ezio-boot",
            dependencies: ["CLI", "Appliance", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Helpers shared by the test targets: seeded randomness, input mutation, scratch folders.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TorrentTests", dependencies: ["Torrent", "TestSupport"]),
        .testTarget(
            name: "PeerProtocolTests",
            dependencies: ["PeerProtocol", "Torrent", .product(name: "NIOTestUtils", package: "swift-nio")]
        ),
        .testTarget(
            name: "SwarmTests",
            dependencies: [
                "Swarm", "PeerProtocol", "Torrent", "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BlockIOTests",
            dependencies: ["BlockIO", "Torrent", "TestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "TestSupport"]),
        .testTarget(
            name: "ApplianceTests",
            dependencies: [
                "Appliance", "Torrent", "BlockIO", "TestSupport", "Swarm", "PeerProtocol",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Runs the built `ezio` binary against real tools: loop devices, partclone, python3-libtorrent.
        .testTarget(name: "IntegrationTests", dependencies: ["ezio", "ezio-boot", "Torrent", "TestSupport"]),
    ]
)

// libFuzzer targets (scripts/fuzz), one per parser of outside input. They exist only with
// EZIO_FUZZ=1, so `swift build --build-tests` never sees them; scripts/fuzz builds them with
// libFuzzer and AddressSanitizer in their own build path.
if Context.environment["EZIO_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzMetainfo", ["Torrent"]),
        ("FuzzPeerWire", ["PeerProtocol", "Torrent", .product(name: "NIOCore", package: "swift-nio")]),
        ("FuzzTracker", ["PeerProtocol", "Torrent"]),
        ("FuzzPartitionTable", ["Devices"]),
        ("FuzzPartclone", ["Torrent"]),
        ("FuzzHTTPHead", ["PeerProtocol"]),
    ]
    // What every target checks answers with (one-line errors, invariants).
    package.targets.append(.target(name: "FuzzSupport", path: "Tests/Fuzz/FuzzSupport"))
    for target in fuzzTargets {
        // Linked with libFuzzer's main and the ASan runtime; scripts/fuzz compiles every module
        // with -Xswiftc -sanitize=fuzzer,address.
        package.targets.append(.executableTarget(
            name: target.name, dependencies: target.dependencies + ["FuzzSupport"], path: "Tests/Fuzz/\(target.name)",
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}

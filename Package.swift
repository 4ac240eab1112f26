// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every target: Swift 6 mode with the upcoming features that keep APIs explicit.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "k3s-daas",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KubeAPI", targets: ["KubeAPI"]),
        .library(name: "KubeTypes", targets: ["KubeTypes"]),
        .library(name: "KubeInformers", targets: ["KubeInformers"]),
        .library(name: "EncStore", targets: ["EncStore"]),
        .library(name: "SuiClient", targets: ["SuiClient"]),
        .library(name: "SuiDevLedger", targets: ["SuiDevLedger"]),
        .library(name: "SealAuth", targets: ["SealAuth"]),
        .library(name: "TEEAttest", targets: ["TEEAttest"]),
        .library(name: "Scheduler", targets: ["Scheduler"]),
        .library(name: "SchedulerTesting", targets: ["SchedulerTesting"]),
        .library(name: "ClusterScheduler", targets: ["ClusterScheduler"]),
        .library(name: "Agent", targets: ["Agent"]),
        .executable(name: "daas-master", targets: ["daas-master"]),
        .executable(name: "daas-worker", targets: ["daas-worker"]),
        .executable(name: "daasctl", targets: ["daasctl"]),
        .executable(name: "daas-bench", targets: ["daas-bench"]),
        .executable(name: "daas-fuzz", targets: ["daas-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // MARK: Libraries
        .systemLibrary(
            name: "CLMDB",
            path: "Sources/EncStore/CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "EncStore",
            dependencies: [
                "CLMDB",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["CLMDB"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KubeTypes",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Sources/KubeAPI/KubeTypes",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StreamTunnel",
            dependencies: [
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/KubeAPI/StreamTunnel",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KubeInformers",
            dependencies: ["KubeTypes", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            path: "Sources/KubeAPI/Informers",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KubeAPI",
            dependencies: [
                "EncStore", "KubeTypes", "KubeInformers", "StreamTunnel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["KubeTypes", "Informers", "StreamTunnel"],
            resources: [.copy("OpenAPI/definitions.json")],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CSecp256k1",
            path: "Sources/SuiClient/CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            path: "Sources/SuiClient/CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(
            name: "SuiClient",
            dependencies: [
                "CSecp256k1", "CSodium",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["CSecp256k1", "CSodium", "DevLedger"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SuiDevLedger",
            dependencies: [
                "SuiClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/SuiClient/DevLedger",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SealAuth",
            dependencies: ["SuiClient", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TEEAttest",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Scheduler",
            dependencies: ["KubeTypes", .product(name: "Metrics", package: "swift-metrics")],
            exclude: ["Testing", "Cluster"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ClusterScheduler",
            dependencies: [
                "Scheduler", "KubeAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Scheduler/Cluster",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SchedulerTesting",
            dependencies: ["Scheduler"],
            path: "Sources/Scheduler/Testing",
            swiftSettings: swiftSettings
        ),
        // The CRI client, generated by scripts/generate-cri.sh from cri-api v0.25.0 (package visibility).
        .target(
            name: "CRI",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/Agent/CRI",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "Agent",
            dependencies: [
                "KubeTypes", "KubeInformers", "CRI", "StreamTunnel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["CRI"],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables (thin: parse flags, compose libraries)
        .executableTarget(
            name: "daas-master",
            dependencies: [
                "EncStore", "KubeAPI", "TEEAttest", "SealAuth", "SuiClient", "SuiDevLedger", "Scheduler", "ClusterScheduler",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/daas-master",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "daas-worker",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "Agent", "SealAuth", "SuiClient", "TEEAttest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/daas-worker",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "daasctl",
            dependencies: [
                "EncStore", "KubeAPI", "TEEAttest", "SealAuth", "SuiClient", "SuiDevLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/Executables/daasctl",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "daas-bench",
            dependencies: [
                "EncStore", "CLMDB", "KubeAPI", "Scheduler", "SchedulerTesting", "TEEAttest", "SealAuth", "SuiClient", "SuiDevLedger", "DaaSTestSupport", "Agent",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Executables/daas-bench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "daas-fuzz",
            dependencies: [
                "Agent", "EncStore", "KubeAPI", "StreamTunnel", "TEEAttest", "SealAuth", "SuiClient", "DaaSTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Executables/daas-fuzz",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .executableTarget(
            name: "encstore-crash-writer",
            dependencies: ["EncStore"],
            path: "Tests/Helpers/encstore-crash-writer",
            swiftSettings: swiftSettings
        ),
        .target(name: "DaaSTestSupport", path: "Tests/Support", swiftSettings: swiftSettings),
        .testTarget(
            name: "EncStoreTests",
            dependencies: ["EncStore", "DaaSTestSupport", "encstore-crash-writer"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KubeTypesTests", dependencies: ["KubeTypes", "DaaSTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StreamTunnelTests",
            dependencies: [
                "StreamTunnel", "DaaSTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KubeAPITests",
            dependencies: [
                "KubeAPI", "DaaSTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SuiClientTests",
            dependencies: [
                "SuiClient", "SuiDevLedger", "DaaSTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealAuthTests",
            dependencies: [
                "SealAuth", "SuiDevLedger", "DaaSTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TEEAttestTests",
            dependencies: [
                "TEEAttest", "DaaSTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SchedulerTests",
            dependencies: ["Scheduler", "SchedulerTesting", "DaaSTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentTests",
            dependencies: ["Agent", "CRI", "KubeInformers", "KubeTypes", "DaaSTestSupport", "daas-master", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "DaaSTestSupport", "daas-master", "daas-worker", "daasctl", "SuiClient", "SuiDevLedger",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)

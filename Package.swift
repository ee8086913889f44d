// swift-tools-version:6.0
import PackageDescription

// Linux only: the proxy, the capture writer and the test helpers call Glibc directly (SO_ORIGINAL_DST,
// SO_MARK, network namespaces, libpcap live capture), so no other platform is declared.
#if !os(Linux)
    #error("Interpose builds on Linux only")
#endif

let package = Package(
    name: "Interpose",
    products: [
        .executable(name: "interpose", targets: ["interpose"]),
        .library(name: "InterposeCore", targets: ["InterposeCore"]),
        .library(name: "InterposeCapture", targets: ["InterposeCapture"]),
        .library(name: "InterposeReader", targets: ["InterposeReader"]),
        .library(name: "InterposeProtocols", targets: ["InterposeProtocols"]),
        .library(name: "InterposeAnalysis", targets: ["InterposeAnalysis"]),
        .library(name: "InterposeProxy", targets: ["InterposeProxy"]),
        .library(name: "InterposeTLS", targets: ["InterposeTLS"]),
        .library(name: "InterposeFaults", targets: ["InterposeFaults"]),
        .library(name: "InterposeReplay", targets: ["InterposeReplay"]),
        .library(name: "InterposeControl", targets: ["InterposeControl"]),
        .library(name: "InterposeDemoService", targets: ["InterposeDemoService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Already built for SwiftNIO: the toxics' generation number, read per chunk on the byte pump.
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        // Already built for SwiftNIO: Deque for the dissectors' queues of requests awaiting answers.
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // FileDescriptorSet parsing for `--proto-descriptor`: gRPC messages compared by field name.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // libpcap (Debian `libpcap-dev`): reference reader, BPF compiler, live capture.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // The vocabulary every layer shares: frames, endpoints, timestamps, findings and their
        // catalogue, byte counts, JSON writing. No libpcap, no channels.
        .target(
            name: "InterposeCore",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio")
            ]
        ),
        // The pcapng writer and the capture sink.
        .target(
            name: "InterposeCapture",
            dependencies: [
                "InterposeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // pcap/pcapng reading through libpcap, link-layer decoding, TCP reassembly into frames.
        .target(
            name: "InterposeReader",
            dependencies: [
                "CPcap",
                "InterposeCapture", "InterposeCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // One dissector per protocol, protocol detection: frames in, messages and findings out.
        .target(
            name: "InterposeProtocols",
            dependencies: [
                "InterposeCore",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The checks on conversations and across them (completeness, ordering, retries, failures,
        // version drift, latency per endpoint), live and offline: messages in, findings out.
        .target(
            name: "InterposeChecks",
            dependencies: [
                "InterposeCore",
                "InterposeProtocols",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Offline analysis of capture files and live interfaces: conversation summaries, endpoint
        // tables, the analyze/check reports (text, JSON, JUnit), the finding catalogue for people.
        .target(
            name: "InterposeAnalysis",
            dependencies: [
                "InterposeCore",
                "InterposeChecks",
                "InterposeReader",
                "InterposeProtocols",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Faults ("toxics") in Toxiproxy's model: what they are, per proxy, changed at run time.
        .target(
            name: "InterposeFaults",
            dependencies: [
                "InterposeCore",
                "InterposeProtocols",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // TLS interception: the CA, leaf certificates per SNI name, ClientHello peeking, key logs.
        .target(
            name: "InterposeTLS",
            dependencies: [
                "InterposeCapture", "InterposeCore",
                "InterposeProtocols",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The SwiftNIO proxy and its recording tap.
        .target(
            name: "InterposeProxy",
            dependencies: [
                "InterposeCapture", "InterposeCore",
                "InterposeFaults",
                "InterposeChecks",
                "InterposeProtocols",
                "InterposeTLS",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Many named proxies in one process, the Toxiproxy-compatible control API, metrics, the config file.
        .target(
            name: "InterposeControl",
            dependencies: [
                "InterposeCapture", "InterposeCore",
                "InterposeFaults",
                "InterposeChecks",
                "InterposeProtocols",
                "InterposeProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Replay and regression comparison: captures compared exchange by exchange.
        .target(
            name: "InterposeReplay",
            dependencies: [
                "InterposeCapture", "InterposeCore", "InterposeChecks",
                "InterposeReader",
                "InterposeProtocols",
                "InterposeAnalysis",
                "InterposeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // MD5, SHA-256 and HMAC for PostgreSQL md5 and SCRAM-SHA-256 authentication.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The demo HTTP service (two builds, one deliberate change) that the demo and replay tests run.
        .target(
            name: "InterposeDemoService",
            dependencies: [
                "InterposeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The command line: parsing and wiring only.
        .executableTarget(
            name: "interpose",
            dependencies: [
                "InterposeCapture", "InterposeCore", "InterposeChecks",
                "InterposeReader",
                "InterposeAnalysis",
                "InterposeProtocols",
                "InterposeProxy",
                "InterposeFaults",
                "InterposeReplay",
                "InterposeDemoService",
                "InterposeControl",
                "InterposeTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Helpers the test targets share: processes, real servers, tshark, random payloads.
        .target(
            name: "InterposeTestSupport",
            dependencies: [
                "InterposeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/InterposeTestSupport"
        ),
        .testTarget(
            name: "InterposeCaptureTests",
            dependencies: ["InterposeCapture", "InterposeCore", "InterposeTestSupport"]
        ),
        .testTarget(
            name: "InterposeReaderTests",
            dependencies: ["InterposeReader", "InterposeCapture", "InterposeCore", "InterposeTestSupport"]
        ),
        .testTarget(
            name: "InterposeProtocolsTests",
            dependencies: [
                "InterposeProtocols", "InterposeCapture", "InterposeCore", "InterposeReader", "InterposeTestSupport",
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "InterposeAnalysisTests",
            dependencies: [
                "InterposeAnalysis", "InterposeProtocols", "InterposeReader", "InterposeCapture", "InterposeCore",
                "InterposeChecks",
                "InterposeTestSupport",
            ]
        ),
        .testTarget(
            name: "InterposeProxyTests",
            dependencies: [
                "InterposeProxy", "InterposeFaults", "InterposeCapture", "InterposeCore", "InterposeChecks",
                "InterposeReader",
                "InterposeTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // EmbeddedChannel: the glue and tap handlers tested without sockets.
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "InterposeFaultsTests",
            dependencies: [
                "InterposeFaults", "InterposeCapture", "InterposeCore", .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "InterposeTLSTests",
            dependencies: [
                "InterposeTLS", "InterposeProtocols", "InterposeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "InterposeControlTests",
            dependencies: [
                "InterposeControl", "InterposeProxy", "InterposeFaults", "InterposeCapture", "InterposeCore",
                "InterposeChecks",
                "InterposeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["toxiproxy_client_check.py", "toxiproxy_effects_check.py"]
        ),
        .testTarget(
            name: "InterposeReplayTests",
            dependencies: [
                "InterposeReplay", "InterposeProtocols", "InterposeReader", "InterposeCapture", "InterposeCore",
                "InterposeChecks",
                "InterposeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "InterposeDemoServiceTests",
            dependencies: [
                "InterposeDemoService", "InterposeTestSupport", .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "InterposeEndToEndTests",
            dependencies: [
                "interpose", "InterposeTestSupport", "InterposeCapture", "InterposeCore", "InterposeProtocols",
            ]
        ),
    ]
)

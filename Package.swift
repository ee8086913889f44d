// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Interpose",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "interpose", targets: ["interpose"]),
        .library(name: "InterposeCapture", targets: ["InterposeCapture"]),
        .library(name: "InterposeReader", targets: ["InterposeReader"]),
        .library(name: "InterposeProtocols", targets: ["InterposeProtocols"]),
        .library(name: "InterposeAnalysis", targets: ["InterposeAnalysis"]),
        .library(name: "InterposeProxy", targets: ["InterposeProxy"]),
        .library(name: "InterposeFaults", targets: ["InterposeFaults"]),
        .library(name: "InterposeReplay", targets: ["InterposeReplay"]),
        .library(name: "InterposeDemoService", targets: ["InterposeDemoService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // libpcap (Debian `libpcap-dev`): reference reader, BPF compiler, live capture.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // Frames, the pcapng writer and the capture sink.
        .target(
            name: "InterposeCapture",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // pcap/pcapng reading through libpcap, link-layer decoding, TCP reassembly into frames.
        .target(
            name: "InterposeReader",
            dependencies: [
                "CPcap",
                "InterposeCapture",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // One dissector per protocol, protocol detection: frames in, messages and findings out.
        .target(
            name: "InterposeProtocols",
            dependencies: [
                "InterposeCapture",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        // Conversation summaries, checks and findings, reports.
        .target(
            name: "InterposeAnalysis",
            dependencies: [
                "InterposeCapture",
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
                "InterposeCapture",
                "InterposeProtocols",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The SwiftNIO proxy and its recording tap.
        .target(
            name: "InterposeProxy",
            dependencies: [
                "InterposeCapture",
                "InterposeFaults",
                "InterposeAnalysis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Replay and regression comparison: captures compared exchange by exchange.
        .target(
            name: "InterposeReplay",
            dependencies: [
                "InterposeCapture",
                "InterposeReader",
                "InterposeProtocols",
                "InterposeAnalysis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // MD5, SHA-256 and HMAC for PostgreSQL md5 and SCRAM-SHA-256 authentication.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The demo HTTP service (two builds, one deliberate change) that the demo and replay tests run.
        .target(
            name: "InterposeDemoService",
            dependencies: [
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
                "InterposeCapture",
                "InterposeReader",
                "InterposeAnalysis",
                "InterposeProtocols",
                "InterposeProxy",
                "InterposeFaults",
                "InterposeReplay",
                "InterposeDemoService",
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
                "InterposeCapture",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/InterposeTestSupport"
        ),
        .testTarget(
            name: "InterposeCaptureTests",
            dependencies: ["InterposeCapture", "InterposeTestSupport"]
        ),
        .testTarget(
            name: "InterposeReaderTests",
            dependencies: ["InterposeReader", "InterposeCapture", "InterposeTestSupport"]
        ),
        .testTarget(
            name: "InterposeProtocolsTests",
            dependencies: [
                "InterposeProtocols", "InterposeCapture", "InterposeReader", "InterposeTestSupport",
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "InterposeAnalysisTests",
            dependencies: [
                "InterposeAnalysis", "InterposeProtocols", "InterposeReader", "InterposeCapture", "InterposeTestSupport",
            ]
        ),
        .testTarget(
            name: "InterposeProxyTests",
            dependencies: [
                "InterposeProxy", "InterposeFaults", "InterposeCapture", "InterposeTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "InterposeFaultsTests",
            dependencies: [
                "InterposeFaults", "InterposeCapture", .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "InterposeReplayTests",
            dependencies: [
                "InterposeReplay", "InterposeProtocols", "InterposeReader", "InterposeCapture", "InterposeTestSupport",
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
            dependencies: ["interpose", "InterposeTestSupport", "InterposeCapture"]
        ),
    ]
)

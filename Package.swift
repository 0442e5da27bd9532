// swift-tools-version:6.1
import PackageDescription

/// How compd and compctl are linked: with lld, relative relocations packed (DT_RELR, glibc 2.36+) and no
/// dynamic symbol table of their own (nothing loads symbols from them). At start the dynamic linker then
/// reads a few KB of relocations instead of 2.4 MB and no 1.5 MB string table: idle RSS of a release compd
/// fell from 25.5 to 21.3 MB (HTTP off) and from 31.9 to 27.2 MB (HTTP on), measured with /proc/PID/status.
///
/// They are also linked as position-dependent executables (-no-pie): the loader then relocates nothing of the
/// binary's own (its data and .data.rel.ro are final in the file) and only the pages used are resident. Release
/// compd --profile small: idle RSS 21.0 -> 20.3 MB, CPU to the first answered Hello 29 -> 26 ms (medians of 7);
/// orderservice 13.6 -> 13.55 MB (within the noise).
/// The price is that the executable itself always loads at the same address (its shared libraries, heap and
/// stacks are still randomised).
let leanExecutable: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"]),
    .unsafeFlags(["-Xclang-linker", "-no-pie"]),
]

/// A binary's start-up functions side by side (tools/link/generate-startup-order makes the list): the pages start-up
/// touches, with the kernel's fault-around around each, are then few. compd's idle RSS with --http off fell from
/// 22.6 to 18.0 MB. Names the build no longer has are ignored.
func startupOrder(_ product: String) -> [LinkerSetting] {
    [
        .unsafeFlags([
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/tools/link/\(product)-startup.order",
            "-Xlinker", "--no-warn-symbol-ordering",
        ]),
    ]
}

let package = Package(
    name: "compensation-broker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "compd", targets: ["compd"]),
        .executable(name: "compctl", targets: ["compctl"]),
        .executable(name: "orderservice", targets: ["OrderService"]),
        .library(name: "CompClient", targets: ["CompClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // The API's server code is generated from openapi/openapi.json by tools/generate-openapi and committed;
        // the generator itself is not a dependency (CI never builds it).
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        // Notifications go out over HTTP(S) with it (NIO and NIOSSL, on NIO's shared event loops).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CNanomsg", pkgConfig: "nanomsg", providers: [.apt(["libnanomsg-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Pure layers.
        .target(name: "CompWire"),
        .target(name: "CompModel"),

        // I/O layers: the only importers of the C shims.
        // The threads the libraries own and their condition (pthread): Thread and NSCondition without the
        // non-essential half of Foundation, so the SDK's clients link only FoundationEssentials (no ICU).
        .target(name: "CompThreads"),
        .target(name: "CompJournal", dependencies: ["CompModel", "CSQLite", "CompThreads"]),
        .target(name: "CompTransport", dependencies: ["CNanomsg"]),

        // Keys and frame MACs (HMAC-SHA256, sealing secrets with AES-GCM): the crypto half of issue 15; CompWire
        // keeps the trailer's bytes and stays free of crypto.
        .target(name: "CompAuth", dependencies: ["CompWire", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "CompAuthTests", dependencies: ["CompAuth", "CompWire"]),

        // The broker and the client library.
        .target(name: "CompBroker", dependencies: [
            "CompWire", "CompModel", "CompJournal", "CompTransport", "CompAuth",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // CompJournal for the spool's file (SpoolFile); CSQLite for the saga barrier on the service's own database.
        .target(name: "CompClient", dependencies: [
            "CompWire", "CompModel", "CompTransport", "CompJournal", "CSQLite", "CompAuth", "CompThreads",
            // The async SDK (Sources/CompClient/SDK): its Service and its log.
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // compd's HTTP side: probes, metrics, the JSON API and the console.
        .target(name: "CompHTTP", dependencies: [
            "CompBroker", "CompWire",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // Notifications: the pure model (what to send, storm control, bodies) in Model/; the runtime (reading
        // the journal on a thread of its own, in-order HTTP senders, durable cursors in notify.sqlite, metrics)
        // in Delivery/.
        .target(name: "CompNotify", dependencies: [
            "CompModel", "CompJournal", "CompWire", "CompBroker",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Thin executables.
        .executableTarget(name: "compd", dependencies: [
            "CompBroker", "CompHTTP", "CompNotify", "CompTransport", "CompAuth",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], linkerSettings: leanExecutable + startupOrder("compd")),
        .executableTarget(name: "compctl", dependencies: [
            "CompClient", "CompWire", "CompModel", "CompTransport", "CompJournal", "CompAuth",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ], linkerSettings: leanExecutable),
        // One service of the choreography seed (order, exchange, point) for ChoreographyTests and tools/bench.
        .executableTarget(name: "sagademo", dependencies: [
            "CompClient", "CompWire", "CompModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The SDK's example: an order handler with a flaky dependency (Examples/OrderService; tests run it).
        .executableTarget(name: "OrderService", dependencies: [
            "CompClient", "CompThreads",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], path: "Examples/OrderService",
           linkerSettings: leanExecutable + startupOrder("orderservice")),
        .executableTarget(name: "compbench", dependencies: [
            "CompWire", "CompModel", "CompJournal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "CompWireTests", dependencies: [
            "CompWire", .product(name: "PropertyBased", package: "swift-property-based"),
            // The auth vectors' MACs, computed from the spec's rule independently of CompAuth.
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "CompModelTests", dependencies: ["CompModel"]),
        .testTarget(name: "CompThreadsTests", dependencies: ["CompThreads"]),
        .testTarget(name: "CompJournalTests", dependencies: ["CompJournal", "CompModel"]),
        .testTarget(name: "CompTransportTests", dependencies: ["CompTransport"]),
        .testTarget(name: "CompBrokerTests", dependencies: [
            "CompBroker", "CompJournal", "CompModel", "CompWire",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "CompNotifyTests", dependencies: ["CompNotify", "CompJournal", "CompModel"]),
        .testTarget(name: "CompNotifyDeliveryTests", dependencies: ["CompNotify", "CompJournal", "CompModel"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "CompClient", "CompWire", "CompModel", "CompTransport", "CompAuth",
            // SDKTests run the SDK's Service in a ServiceGroup.
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

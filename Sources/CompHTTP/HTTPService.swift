import CompBroker
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The HTTP listener could not start (most often: the address is in use). compd exits with 75.
public struct HTTPBindError: Error, CustomStringConvertible {
    public let address: HTTPAddress
    public let underlying: any Error

    public var description: String { "cannot listen for HTTP on \(address): \(underlying)" }
}

/// compd's HTTP side as a service of the broker's group: `GET /healthz`, `GET /readyz`, `GET /metrics`
/// (Prometheus text from `registry`) and the JSON API under `/api` (see `API`). It starts first and stops
/// last, so `/readyz` answers 503 while the rest of the broker shuts down.
public struct HTTPService: Service, CustomStringConvertible {
    let address: HTTPAddress
    let probes: BrokerProbes
    let registry: PrometheusCollectorRegistry
    let access: HTTPAccess
    let logger: Logger

    /// The HTTP side on `address`, reading the broker through `probes`, exporting `registry`, admitting
    /// callers as `access` says (default: no tokens, every caller the local operator).
    public init(address: HTTPAddress, probes: BrokerProbes, registry: PrometheusCollectorRegistry,
                access: HTTPAccess = .local(), logger: Logger) {
        self.address = address
        self.probes = probes
        self.registry = registry
        self.access = access
        self.logger = logger
    }

    public var description: String { "http" }

    /// The router of the probe and metrics endpoints, the login page and the API; any other path is 404.
    static func router(probes: BrokerProbes, registry: PrometheusCollectorRegistry, access: HTTPAccess) throws -> Router<HTTPContext> {
        let router = Router(context: HTTPContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: AuthMiddleware(access: access, keys: probes.keys))  // before every route: it guards those added after it
        LoginPage.addRoutes(to: router, access: access)
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("readyz") { _, _ in
            let (status, text): (HTTPResponse.Status, String) = switch probes.health.readiness {
            case .ready: (.ok, "ready")
            case .notReady(let reason): (.serviceUnavailable, "not ready: \(reason)")
            }
            return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
        }
        router.get("metrics") { _, _ in
            await probes.refreshGauges()
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        try API.register(on: router, gateway: probes.gateway)
        Console.addRoutes(to: router, probes: probes, stats: { [gateway = probes.gateway] in await FeedStats.json(gateway: gateway) })
        return router
    }

    /// Serves until the group's graceful shutdown.
    ///
    /// - Throws: `HTTPBindError` when the listener cannot start; what the server threw after that.
    public func run() async throws {
        let running = RunningFlag()
        let app = Application(
            router: try Self.router(probes: probes, registry: registry, access: access),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { [logger, address, access] _ in
                running.value.store(true, ordering: .relaxed)
                logger.notice("HTTP serving on \(address): \(access.startDescription)")
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            guard running.value.load(ordering: .relaxed) else { throw HTTPBindError(address: address, underlying: error) }
            throw error
        }
    }
}

/// Set once the HTTP listener is bound (by `onServerRunning`, on a NIO thread).
private final class RunningFlag: Sendable {
    let value = Atomic<Bool>(false)
}

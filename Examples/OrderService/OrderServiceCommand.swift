import ArgumentParser
import CompClient
import CompThreads
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle
import UnixSignals

/// `orderservice`: an order handler on the CompClient SDK, with a stock dependency that can be made to fail.
/// It reports each `--order` once ready, then runs the retries the broker sends until SIGINT or SIGTERM.
@main
struct OrderServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orderservice",
        abstract: "An example order service on the CompClient SDK: its handler's failures come back as retries.")

    @Option(help: "The broker's request address (ipc://… or tcp://…).")
    var broker: String

    @Option(help: "The service name the handler is registered under.")
    var service = "orders"

    @Option(help: "This instance's name (default: host name and process id).")
    var instance: String?

    @Option(help: "While this file exists, the stock dependency fails with a recoverable error.")
    var failUntilFile: String?

    @Option(help: "An order id to handle once ready (repeatable); each is one OrderCreated event.")
    var order: [String] = []

    func validate() throws {
        guard !broker.isEmpty else { throw ValidationError("--broker must name the broker's address") }
        guard !service.isEmpty else { throw ValidationError("--service must not be empty") }
    }

    func run() async throws {
        var logger = Logger(label: "orderservice")
        logger.logLevel = .info
        let client: CompensationClient
        do {
            client = try CompensationClient(address: broker, logger: logger)
        } catch {
            throw ValidationError("--broker \(broker): \(error)")
        }
        let orders = OrderHandler(service: service, stock: StockService(failUntilFile: failUntilFile))
        orders.register(on: client)
        try await waitForBroker(client, logger: logger)
        // Start-up is over: give back the clean pages only it touched (argument parsing, the runtime's set-up), so
        // that an idle service on a small node holds what serving uses (see ResidentMemory).
        ResidentMemory.releaseCleanFilePages()
        say("ready")
        for id in order {
            let result = try await client.handle(orders.key, eventId: "order-created-\(id)", payload: Array(id.utf8),
                                                 correlationId: id)
            OrderHandler.log(order: id, attempt: 0, result: result)
        }
        let compensation = CompensationService(client: client, services: [service], instance: instance)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: compensation)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        client.close()
    }

    /// Asks the broker for its limits until it answers (backing off with jitter in between).
    private func waitForBroker(_ client: CompensationClient, logger: Logger) async throws {
        var random = SystemRandomNumberGenerator()
        var failures = 0
        while true {
            do {
                _ = try await client.brokerLimits()
                return
            } catch {
                failures += 1
                logger.warning("broker \(broker) does not answer yet: \(error)")
                try await Task.sleep(for: ReconnectBackoff().delay(afterFailures: failures, random: &random))
            }
        }
    }
}

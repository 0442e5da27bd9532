@testable import CompBroker
import Foundation
import Logging
import Testing

struct BrokerLifecycleTests {
    private func config() -> BrokerConfig {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "broker-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        return BrokerConfig(
            dataDirectory: directory,
            listenAddresses: ["ipc://\(directory)-req.ipc"], eventsAddress: nil)
    }

    @Test("shutdown before run does not deadlock: run returns, and the directory is free again")
    func shutdownBeforeRun() async throws {
        let config = config()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        do {
            let broker = try Broker(config: config, logger: Logger(label: "test"), handleSignals: false)
            await broker.shutdown()
            try? await broker.run()
        }
        // The first broker released its lock: a second one on the same directory starts.
        let again = try Broker(config: config, logger: Logger(label: "test"), handleSignals: false)
        let running = Task { try await again.run() }
        await again.shutdown()
        try await running.value
    }

    @Test("a second broker on a locked data directory is refused with a message naming the directory and pid")
    func locked() throws {
        let config = config()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        let first = try Broker(config: config, logger: Logger(label: "test"), handleSignals: false)
        var second = config
        second.listenAddresses = ["ipc://\(config.dataDirectory)-req2.ipc"]
        do {
            _ = try Broker(config: second, logger: Logger(label: "test"), handleSignals: false)
            Issue.record("the second broker started")
        } catch {
            #expect("\(error)".contains(config.dataDirectory))
            #expect("\(error)".contains("pid \(getpid())"))
        }
        _ = first
    }
}

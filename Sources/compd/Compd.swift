import ArgumentParser
import CompBroker
import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging

/// `compd`: the compensation broker.
@main
struct Compd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compd",
        abstract: "The compensation broker: journals failures, schedules retries, pushes them to subscribers.",
        discussion: """
            Every option can also be set in a config file (--config FILE, lines of `name = value`, \
            names as the long options without dashes, `#` comments) or in an environment variable \
            COMPD_<NAME> (upper case, dashes as underscores, e.g. COMPD_MIN_BACKOFF=3s). \
            Precedence: flag, then environment, then config file, then the default. \
            Durations: 250ms, 3s, 5m, 2h, 1d.
            """,
        version: BuildVersion.text)

    @Option(help: "Directory of the SQLite journal (default ./compd-data).")
    var data: String?
    @Option(help: "Request socket address (raw REP); repeat for several (default tcp://127.0.0.1:7450).")
    var listen: [String] = []
    @Option(help: "Event socket address (PUB), or `off` (default tcp://127.0.0.1:7451).")
    var events: String?
    @Option(help: "full: an ack means durable; normal: faster, may lose the last commits on power loss (default full).")
    var sync: String?
    @Option(help: "Config file of `name = value` lines.")
    var config: String?
    @Option(name: .customLong("max-retries"), help: "Default retries after the first failure (default 10).")
    var maxRetries: String?
    @Option(name: .customLong("min-backoff"), help: "Default first retry delay (default 180s).")
    var minBackoff: String?
    @Option(name: .customLong("max-backoff"), help: "Default cap on a retry delay (default 2h).")
    var maxBackoff: String?
    @Option(name: .customLong("execution-timeout"), help: "Default lease length of an attempt (default 120s).")
    var executionTimeout: String?
    @Option(help: "Default jitter in thousandths of a delay, 0...1000 (default 200).")
    var jitter: String?
    @Option(name: .customLong("in-flight"), help: "Commands of one service leased at once at most (default 1000).")
    var inFlight: String?
    @Option(name: .customLong("max-frame-bytes"), help: "Largest frame accepted and sent, 524288...4194304 (default 1048576).")
    var maxFrameBytes: String?
    @Option(help: "How long finished executions are kept, at least 24h (default 7d).")
    var retention: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    func run() async throws {
        let settings = try Settings(flags: self)
        let level = try settings.logLevel()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "compd")
        let config = try settings.brokerConfig()
        let broker: Broker
        do {
            broker = try Broker(config: config, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(75)
        }
        do {
            try await broker.run()
        } catch {
            logger.critical("stopped on error: \(error)")
            throw ExitCode(70)
        }
    }
}


import ArgumentParser
import CompBroker
import CompJournal
import CompModel
import CompWire
import Foundation
import Logging

/// `compd`: the compensation broker.
@main
struct Compd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compd",
        abstract: "The compensation broker: journals failures, schedules retries, pushes them to subscribers.",
        discussion: """
            Every option can also be set in a config file (--config FILE, lines of `name = value`, \
            names as the long options without dashes, `#` comments) or in an environment variable \
            COMPD_<NAME> (upper case, dashes as underscores, e.g. COMPD_MIN_BACKOFF=3s). \
            Precedence: flag, then environment, then config file, then the default. \
            Durations: 250ms, 3s, 5m, 2h, 1d.
            """)

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
    @Option(name: .customLong("max-frame-bytes"), help: "Largest frame accepted (default 1048576).")
    var maxFrameBytes: String?
    @Option(help: "How long finished executions are kept, at least 24h (default 7d).")
    var retention: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    func run() throws {
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
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(75)
        }
        broker.start()
        waitForTerminationSignal()
        broker.stop()
    }
}

/// Blocks until SIGTERM or SIGINT arrives.
func waitForTerminationSignal() {
    let arrived = DispatchSemaphore(value: 0)
    var sources: [DispatchSourceSignal] = []
    for number in [SIGTERM, SIGINT] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { arrived.signal() }
        source.resume()
        sources.append(source)
    }
    arrived.wait()
    sources.forEach { $0.cancel() }
}

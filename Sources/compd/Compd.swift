import ArgumentParser
import CompBroker
import CompHTTP
import CompNotify
import CompTransport
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `compd`: the compensation broker.
@main
struct Compd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compd",
        abstract: "The compensation broker: journals failures, schedules retries, pushes them to subscribers.",
        usage: "compd [--config <file>] [--<setting> <value> ...]",
        discussion: """
            Every setting below is set by its option, by the environment variable COMPD_<NAME> \
            (upper case, dashes as underscores), or by a line `name = value` of the config file \
            (--config FILE or COMPD_CONFIG; `#` starts a comment; names with dashes or underscores; \
            an unknown name is refused). Precedence: option, then environment, then config file, then \
            the default. `--listen` may repeat; its variable and file line take addresses separated by \
            commas. A bad value stops compd with exit code 64 and a message naming the setting.

            Example: compd --config /etc/compd/compd.conf --listen tcp://0.0.0.0:7450 \
            --listen ipc:///run/compd/compd.sock

            SETTINGS:
            \(Setting.helpText)
            """,
        version: BuildVersion.text,
        subcommands: [KeysCommand.self])

    @Option(help: ArgumentHelp("Config file of `name = value` lines (or COMPD_CONFIG).", valueName: "file"))
    var config: String?

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func run() async throws {
        // `compd keys ...`: the settings argument takes everything, so the subcommand is dispatched here.
        if self.settings.first == KeysCommand.configuration.commandName {
            do {
                var command = try KeysCommand.parseAsRoot(Array(self.settings.dropFirst()))
                try command.run()
            } catch {
                KeysCommand.exit(withError: error)
            }
            return
        }
        let settings: Settings
        do {
            settings = try Settings(arguments: self.settings, configPath: config,
                                    environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("compd: \(error)\n".utf8))
            throw ExitCode(64)
        }
        let level = settings.logLevel
        switch settings.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "compd")
        for name in settings.unknownVariables {
            logger.warning("ignoring environment variable \(name): no setting has that name (see compd --help)")
        }
        for warning in settings.warnings { logger.warning("\(warning)") }
        // SIGHUP reloads the HTTP tokens file (and only logs without one); trapped before anything
        // serves, so that a SIGHUP sent once compd answers never ends it.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let registry = PrometheusCollectorRegistry()
        if settings.http != nil { MetricsSystem.bootstrap(Self.metricsFactory(registry)) }
        // The notifiers follow the journal from their cursors in DATA/notify.sqlite (none: nothing runs).
        let notifiers = settings.notifiers.isEmpty ? nil : NotificationDelivery(
            notifiers: settings.notifiers, dataDirectory: settings.broker.dataDirectory,
            journalPath: settings.broker.databasePath, consoleURL: settings.consoleURL, logger: logger)
        if !settings.notifiers.isEmpty {
            logger.info("compd notifies", metadata: [
                "notifiers": "\(settings.notifiers.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))",
                "console_url": "\(settings.consoleURL.isEmpty ? "none (no links)" : settings.consoleURL)",
            ])
        }
        let broker: Broker
        do {
            broker = try Broker(config: settings.broker, logger: logger, notifiers: notifiers) { probes in
                let reloader = TokenReloader(access: settings.access, hangups: hangups, logger: logger)
                var notifying: [any Service] = []
                if let notifiers { notifying.append(notifiers.service(commits: probes.commits)) }
                guard let http = settings.http else { return [reloader] + notifying }
                return [HTTPService(address: http, probes: probes, registry: registry, access: settings.access, logger: logger),
                        reloader] + notifying
            }
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(75)
        }
        do {
            try await broker.run()
        } catch let error as HTTPBindError {
            logger.critical("\(error)")
            throw ExitCode(75)
        } catch {
            logger.critical("stopped on error: \(error)")
            throw ExitCode(70)
        }
    }

    /// swift-prometheus as the metrics backend, with histogram buckets that resolve sub-millisecond
    /// commits and acknowledgements and group commits of one to thousands of records.
    private static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["compd_records_per_commit"] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
        return factory
    }
}

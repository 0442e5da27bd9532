import CompAuth
import CompJournal
import CompModel
import CompThreads
import CompTransport
import CompWire
import Foundation
import Logging
import ServiceLifecycle

/// The compensation broker: the journal, the request and event sockets, and the services that serve
/// them (checkpointer, admin reader, core, ingress) in one `ServiceGroup`. SIGTERM or SIGINT (or
/// `shutdown()`) stops them in reverse order: the ingress stops taking requests, the core commits and
/// acknowledges what it received and answers held fetches, the admin reader and the checkpointer
/// finish; then the sockets close and the data directory is unlocked.
public final class Broker: Sendable {
    private let config: BrokerConfig
    private let logger: Logger
    private let lock: DataDirectoryLock
    private let server: ReplyServer
    private let publisher: EventPublisher?
    private let core: Core
    private let admin: AdminReader
    private let ingress: Ingress
    private let checkpointer: CheckpointerService
    private let group: ServiceGroup
    private let counters: BrokerCounters
    private let metrics: BrokerMetrics
    /// What readiness probes read: journal health, sockets bound, shutdown begun.
    public let health: BrokerHealth

    /// Locks the data directory, opens the journal and binds the sockets; serves nothing until `run()`.
    ///
    /// - Parameters:
    ///   - config: the settings.
    ///   - logger: where the broker logs.
    ///   - signals: whether SIGTERM and SIGINT shut the broker down gracefully (compd: yes; tests: no).
    ///   - notifiers: what answers `NotificationsRequest` (compd's notifier service); nil: no notifiers
    ///     (the reply lists none).
    ///   - services: more services for the group (compd's HTTP server), made with the broker's probes;
    ///     they start first and stop last, so probes see the shutdown.
    /// - Throws: `BrokerError` when the configuration is invalid, the directory is locked by another
    ///   compd, the database cannot be opened, or an address cannot be bound.
    public init(config: BrokerConfig, logger: Logger, handleSignals: Bool = true,
                notifiers: (any NotifierStatusSource)? = nil,
                services makeServices: (BrokerProbes) -> [any Service] = { _ in [] }) throws(BrokerError) {
        try config.validate()
        self.config = config
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create \(config.dataDirectory): \(error.localizedDescription)")
        }
        lock = try DataDirectoryLock(directory: config.dataDirectory)
        let path = config.databasePath
        // With FULL, the outbox flushes the WAL on its own thread before anything a commit decided goes out.
        let options = JournalOptions(path: path, sync: config.sync, retention: config.retention,
                                     cacheKiB: config.profile.journalCacheKiB, callerSyncsWAL: config.sync == .full)
        do {
            server = try ReplyServer(receiveMaxSize: config.maxFrameBytes)
            for address in config.listenAddresses {
                try server.bind(address)
                // ipc sockets: owner and group only (nanomsg creates them with the umask's mode).
                if let socketPath = TransportAddress.ipcPath(of: address), chmod(socketPath, 0o660) != 0 {
                    throw TransportError(code: errno, operation: "chmod 0660", address: socketPath)
                }
            }
            publisher = try config.eventsAddress.map { address throws(TransportError) in try EventPublisher(bindingTo: address) }
        } catch {
            throw .transport("\(error)")
        }
        let counters = BrokerCounters()
        let metrics = BrokerMetrics()
        let health = BrokerHealth()
        health.markSocketsBound()
        self.counters = counters
        self.metrics = metrics
        self.health = health
        let tap = EventTap()
        let events = EventSink(publisher: publisher, tap: tap)
        let notices = NoticeLog(logger: logger)
        let commits = CommitSignal()
        let outbox = config.sync == .full
            ? DurableOutbox.syncingWAL(databasePath: path, observe: { metrics.walFlushed(nanoseconds: $0) }) { [logger] reason in
                // After a failed fsync the kernel may have dropped the dirty pages it could not write, so a later
                // fsync that succeeds proves nothing about them (PostgreSQL stops for the same reason). compd
                // stops at once, as after kill -9: the next start recovers the journal from what the disk holds,
                // and the records whose answers were storage_failure are applied when their clients resend them.
                logger.critical("WAL flush failed; the waiting answers went out as storage_failure; stopping (exit 74) so the next start recovers the journal from the disk",
                                metadata: ["error": "\(reason)"])
                _exit(74)  // EX_IOERR
            }
            : DurableOutbox(flush: nil)
        core = Core()
        do {
            try core.start { [config, logger] in
                try CoreLoop(store: try Journal(options: options), config: config, counters: counters, events: events,
                             logger: logger, notices: notices, clock: BrokerClock.moment, metrics: metrics, health: health,
                             commits: commits, outbox: outbox)
            }
        } catch {
            server.close()
            publisher?.close()
            throw .storage("\(path): \(error)")
        }
        do {
            checkpointer = CheckpointerService(checkpointer: try JournalCheckpointer(
                path: path, busyIntervalMilliseconds: config.profile.checkpointBusyMilliseconds) { metrics.checkpointed($0) })
        } catch {
            core.stop()
            server.close()
            publisher?.close()
            throw .storage("\(path): \(error)")
        }
        let gate: AuthGate
        do {
            gate = AuthGate(mode: config.auth, windowMilliseconds: config.authWindow.milliseconds,
                            keys: try AuthGate.loadKeys(journalPath: path, dataDirectory: config.dataDirectory))
        } catch {
            core.stop()
            server.close()
            publisher?.close()
            throw error
        }
        let replies = Replier(server: server, logger: logger, metrics: metrics)
        admin = AdminReader(
            open: { [config] in try JournalReader(path: path, cacheKiB: config.profile.readerCacheKiB) }, core: core, counters: counters, config: config,
            startedAt: BrokerClock.wall(), logger: logger)
        let gateway = BrokerGateway(core: core, admin: admin, notifiers: notifiers)
        ingress = Ingress(server: server, core: core, gateway: gateway, replies: replies, counters: counters,
                          config: config, logger: logger, notices: notices, metrics: metrics, auth: gate,
                          keys: KeyService(gate: gate, journalPath: path, dataDirectory: config.dataDirectory))
        let probes = BrokerProbes(health: health, gateway: gateway, events: tap, commits: commits, keys: BrokerKeys(gate: gate)) { [admin, counters, metrics, core, config, health] in
            await Self.refreshGauges(admin: admin, counters: counters, metrics: metrics, core: core, config: config, health: health)
        }
        let services: [any Service] = makeServices(probes) + [
            checkpointer,
            ThreadService(name: "admin", start: { [admin] in admin.start() }, stop: { [admin] in admin.stop() }),
            ThreadService(name: "core", start: {}, stop: { [core] in core.stop() }),
            ThreadService(name: "ingress", start: { [ingress] in ingress.start() }, stop: { [ingress] in ingress.stop() }),
            ThreadService(name: "readiness", start: {}, stop: { [health] in health.markShuttingDown() }),
            StartupPagesService(logger: logger),
        ]
        group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger))
    }

    /// Serves until SIGTERM/SIGINT or `shutdown()`, then stops every part in order and closes the sockets.
    ///
    /// - Throws: what a service threw (the others are stopped first).
    public func run() async throws {
        logger.info("compd serving", metadata: [
            "listen": "\(config.listenAddresses.joined(separator: ","))",
            "events": "\(config.eventsAddress ?? "off")", "data": "\(config.databasePath)",
            "sync": "\(config.sync.rawValue)",
            "max_retries": "\(config.defaultSpec.maxRetries)", "min_backoff": "\(Self.text(config.defaultSpec.minBackoff))",
            "max_backoff": "\(Self.text(config.defaultSpec.maxBackoff))",
            "execution_timeout": "\(Self.text(config.defaultSpec.executionTimeout))",
            "jitter": "\(config.defaultSpec.jitterPermille)", "in_flight": "\(config.inFlightPerService)",
            "max_frame_bytes": "\(config.maxFrameBytes)", "retention": "\(Self.text(config.retention))",
            "profile": "\(config.profile.rawValue)",
            "sqlite_cache": "\(config.profile.journalCacheKiB)KiB+\(config.profile.readerCacheKiB)KiB",
            "checkpoint_busy_ms": "\(config.profile.checkpointBusyMilliseconds)",
        ])
        defer {
            core.stop()
            server.close()
            publisher?.close()
            logger.info("compd stopped")
        }
        try await group.run()
    }

    /// A span as the settings write it (`3m`, `7d`).
    private static func text(_ span: TimeSpan) -> String {
        DurationText.format(milliseconds: UInt64(clamping: span.milliseconds))
    }

    /// Sets the metrics read from state the broker keeps rather than counted as they happen: executions
    /// by status and park reason (the journal's status counts, read on the admin thread, never a count
    /// over the table), records queued for the core, leases in flight per service, and the journal and
    /// WAL file sizes. Call before exporting the metrics.
    ///
    /// Once shutdown has begun the status counts are not read (the admin thread is stopping) and keep
    /// their last values.
    private static func refreshGauges(admin: AdminReader, counters: BrokerCounters, metrics: BrokerMetrics, core: Core,
                                      config: BrokerConfig, health: BrokerHealth) async {
        var counts: [CompWire.StatusCount]?
        if health.readiness != .notReady(BrokerHealth.shuttingDownReason) {
            let reply: Message = await withCheckedContinuation { continuation in
                admin.submit(.query(.statsRequest(StatsRequest())) { continuation.resume(returning: $0) })
            }
            if case .statsReply(let stats) = reply { counts = stats.counts }
        }
        let (_, services) = counters.snapshot()
        func size(_ path: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        metrics.setGauges(counts: counts, inFlight: services.mapValues(\.inFlight), queuedRecords: core.queuedRecords,
                          journalBytes: size(config.databasePath), walBytes: size(config.databasePath + "-wal"))
    }

    /// Starts the graceful shutdown `run()` is waiting for.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// A broker dropped without `run()` still commits what it took, closes the journal and the sockets.
    deinit {
        ingress.stop()
        core.stop()
        admin.stop()
        server.close()
        publisher?.close()
    }
}

/// A part of the broker that runs on its own thread, as a service: started when the group runs,
/// stopped (off the cooperative pool, since stopping waits for the thread) at graceful shutdown.
struct ThreadService: Service, CustomStringConvertible {
    let name: String
    let start: @Sendable () -> Void
    let stop: @Sendable () -> Void

    var description: String { name }

    func run() async throws {
        start()
        try? await gracefulShutdown()  // throws only on cancellation: stop the same way then
        await withCheckedContinuation { continuation in
            Thread {
                stop()
                continuation.resume()
            }.start()
        }
    }
}

/// Gives back the clean file pages start-up touched (`ResidentMemory`), once, a second after compd started
/// serving (start-up is over in tens of milliseconds; a second also covers the first clients' hellos), then
/// waits for shutdown like the other parts.
struct StartupPagesService: Service, CustomStringConvertible {
    let logger: Logger

    var description: String { "startup-pages" }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        } catch {
            return  // shut down within the second: nothing to give back
        }
        if !Task.isShuttingDownGracefully {
            let before = ResidentMemory.residentKiB() ?? 0
            let released = ResidentMemory.releaseCleanFilePages()
            let after = ResidentMemory.residentKiB() ?? 0
            logger.info("gave back start-up pages", metadata: [
                "released_kib": "\(released)", "resident_kib_before": "\(before)", "resident_kib_after": "\(after)",
            ])
        }
        try? await gracefulShutdown()
    }
}

/// The WAL checkpointer as a service.
struct CheckpointerService: Service, CustomStringConvertible {
    let checkpointer: JournalCheckpointer

    var description: String { "checkpointer" }

    func run() async throws {
        checkpointer.start()
        try? await gracefulShutdown()  // throws only on cancellation: stop the same way then
        await withCheckedContinuation { continuation in
            Thread { [checkpointer] in
                checkpointer.stop()
                continuation.resume()
            }.start()
        }
    }
}

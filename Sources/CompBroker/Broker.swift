import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging

/// The compensation broker: the journal, the request and event sockets, and the threads that
/// serve them. Start it, then stop it once (for example on SIGTERM).
///
/// `@unchecked Sendable`: `start` and `stop` are called from one thread (the executable's main).
public final class Broker: @unchecked Sendable {
    private let config: BrokerConfig
    private let logger: Logger
    private let server: ReplyServer
    private let publisher: EventPublisher?
    private let core: Core
    private let checkpointer: JournalCheckpointer
    private let admin: AdminReader
    private let ingress: Ingress
    private var stopped = false

    /// Opens the journal and binds the sockets; serves nothing until `start()`.
    ///
    /// - Throws: `BrokerError` when the configuration is invalid, the database cannot be opened,
    ///   or an address cannot be bound.
    public init(config: BrokerConfig, logger: Logger) throws(BrokerError) {
        try config.validate()
        self.config = config
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create \(config.dataDirectory): \(error.localizedDescription)")
        }
        let journal: Journal
        let reader: JournalReader
        do {
            journal = try Journal(options: JournalOptions(path: config.databasePath, sync: config.sync, retention: config.retention))
            reader = try JournalReader(path: config.databasePath)
            checkpointer = try JournalCheckpointer(path: config.databasePath)
        } catch {
            throw .storage("\(config.databasePath): \(error)")
        }
        do {
            server = try ReplyServer(receiveMaxSize: config.maxFrameBytes)
            for address in config.listenAddresses { try server.bind(address) }
            if let events = config.eventsAddress {
                publisher = try EventPublisher(bindingTo: events)
            } else {
                publisher = nil
            }
        } catch {
            throw .transport("\(error)")
        }
        let counters = BrokerCounters()
        let replies = Replier(server: server, logger: logger)
        do {
            core = try Core(
                config: config, journal: journal, replies: replies, events: EventSink(publisher: publisher),
                counters: counters, logger: logger)
        } catch {
            throw .storage("\(error)")
        }
        admin = AdminReader(reader: reader, replies: replies, counters: counters, startedAt: WallClock.now(), logger: logger)
        ingress = Ingress(server: server, core: core, admin: admin, replies: replies, config: config, logger: logger)
    }

    /// Starts serving.
    public func start() {
        checkpointer.start()
        core.start()
        admin.start()
        ingress.start()
        logger.info("compd serving", metadata: [
            "listen": "\(config.listenAddresses.joined(separator: ","))",
            "events": "\(config.eventsAddress ?? "off")", "data": "\(config.databasePath)",
            "sync": "\(config.sync.rawValue)",
        ])
    }

    /// Stops taking requests, commits and acknowledges what was received, answers held fetches,
    /// closes the database and the sockets. Safe to call once; later calls do nothing.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        logger.info("compd stopping")
        ingress.stop()
        core.stop()
        admin.stop()
        checkpointer.stop()
        server.close()
        publisher?.close()
        logger.info("compd stopped")
    }
}

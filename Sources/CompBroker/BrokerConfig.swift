import CompAuth
import CompJournal
import CompModel
import CompWire

/// Everything a broker needs to run. The `compd` executable fills it from flags, environment and a
/// config file.
public struct BrokerConfig: Sendable {
    /// The directory holding the SQLite database (`journal.sqlite`).
    public var dataDirectory: String
    /// Addresses of the request socket (raw REP); the first is the main one.
    public var listenAddresses: [String]
    /// Address of the event socket (PUB); nil disables events.
    public var eventsAddress: String?
    /// FULL (an ack means durable) or NORMAL.
    public var sync: SyncMode
    /// The spec for records that carry no override.
    public var defaultSpec: RetrySpec
    /// At most this many commands of one service leased at once.
    public var inFlightPerService: Int
    /// The largest frame accepted; larger ones are dropped by nanomsg.
    public var maxFrameBytes: Int
    /// How long finished executions are kept.
    public var retention: TimeSpan
    /// The longest a Fetch may be held.
    public var maxFetchWait: TimeSpan
    /// Heartbeat interval advertised to clients.
    public var heartbeatInterval: TimeSpan
    /// The memory profile (cache sizes; the HTTP default is compd's).
    public var profile: BrokerProfile = .standard
    /// Keys (issue 15): off, optional or required (PROTOCOL.md 8.3).
    public var auth: AuthMode = .off
    /// How far a signed frame's timestamp may be from the broker's time; nonces are remembered this long.
    public var authWindow: TimeSpan = .seconds(60)

    /// Creates a configuration with the documented defaults.
    public init(
        dataDirectory: String = "./compd-data",
        listenAddresses: [String] = ["tcp://127.0.0.1:7450"],
        eventsAddress: String? = "tcp://127.0.0.1:7451",
        sync: SyncMode = .full,
        defaultSpec: RetrySpec = .standard,
        inFlightPerService: Int = 1000,
        maxFrameBytes: Int = 1024 * 1024,
        retention: TimeSpan = .seconds(7 * 24 * 3600),
        maxFetchWait: TimeSpan = .seconds(60),
        heartbeatInterval: TimeSpan = .seconds(10)
    ) {
        self.dataDirectory = dataDirectory
        self.listenAddresses = listenAddresses
        self.eventsAddress = eventsAddress
        self.sync = sync
        self.defaultSpec = defaultSpec
        self.inFlightPerService = inFlightPerService
        self.maxFrameBytes = maxFrameBytes
        self.retention = retention
        self.maxFetchWait = maxFetchWait
        self.heartbeatInterval = heartbeatInterval
    }

    /// The smallest frame limit: one command or record of the largest payload fits.
    public static let minFrameBytes = WireLimits.minFrameBytes

    /// The database file inside the data directory.
    public var databasePath: String { dataDirectory + "/journal.sqlite" }

    /// Checks cross-field constraints.
    ///
    /// - Throws: `BrokerError.invalidConfig` naming the first bad setting.
    public func validate() throws(BrokerError) {
        do { try defaultSpec.validate() } catch { throw .invalidConfig("default retry spec: \(error)") }
        guard !listenAddresses.isEmpty else { throw .invalidConfig("at least one listen address is needed") }
        guard inFlightPerService >= 1 else { throw .invalidConfig("in-flight cap must be at least 1") }
        guard (Self.minFrameBytes...WireLimits.maxFrameBytes).contains(maxFrameBytes) else {
            throw .invalidConfig("max frame bytes must be in \(Self.minFrameBytes)...\(WireLimits.maxFrameBytes)")
        }
        guard retention >= .seconds(24 * 3600) else {
            throw .invalidConfig("retention must be at least 24h (the dedupe window)")
        }
        guard authWindow >= .seconds(1), authWindow <= .seconds(3600) else {
            throw .invalidConfig("auth window must be in 1s...1h")
        }
    }
}

/// Why the broker could not start or had to stop.
public enum BrokerError: Error, CustomStringConvertible {
    case invalidConfig(String)
    /// Another process holds the data directory's lock.
    case locked(String)
    case storage(String)
    case transport(String)

    public var description: String {
        switch self {
        case .invalidConfig(let text): "invalid configuration: \(text)"
        case .locked(let text): text
        case .storage(let text): "storage: \(text)"
        case .transport(let text): "transport: \(text)"
        }
    }
}

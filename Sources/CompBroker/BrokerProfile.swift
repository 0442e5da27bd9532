/// How much memory and how many threads compd spends: `default` for a server, `small` for an embedded
/// fleet node (`compd --profile small`).
///
/// | | default | small |
/// |---|---|---|
/// | writer's SQLite page cache (`cache_size`) | 4 MiB | 2 MiB |
/// | admin reader's page cache | 4 MiB | 512 KiB |
/// | SQLite memory map (`mmap_size`) | 0 (off) | 0 (off) |
/// | HTTP side (health, metrics, API, console; its event-loop threads) | on | off unless `--http` is given |
/// | WAL checkpoint while the WAL grows (`CheckpointPacer`) | every 2 ms | every 200 ms |
///
/// Both give back the clean file pages start-up touched (code and read-only data of the binary and its
/// libraries that serving does not run) a second after serving (`StartupPagesService`): resident memory then
/// counts what serving uses, not what starting used (about 11 MB of a peak under load).
///
/// The rest (one request socket, the core, ingress, outbox, admin and checkpoint threads) is the same: compd
/// has no pools to shrink beyond these. The caches are upper bounds SQLite fills as it reads pages, so
/// the profile shows in the resident memory after work more than right after start.
public enum BrokerProfile: String, Sendable, CaseIterable {
    /// A server: larger caches, the HTTP side on.
    case standard = "default"
    /// An embedded node: small caches, no HTTP unless asked for.
    case small

    /// The writer connection's page cache, in KiB (`PRAGMA cache_size = -N`). 4 MiB since stop 27 (8 before):
    /// side by side the ingest rates were the same (mixed 460k vs 445k, new failures 181k vs 195k, two rounds
    /// each), and a storm's peak RSS at 64 connections 61 MB instead of 64; at 5M stored 2 MiB gave the same
    /// rates as 8 (stop 26). The writer reads few pages: the B-trees' right edges and the open executions.
    public var journalCacheKiB: Int {
        switch self {
        case .standard: 4096
        case .small: 2048
        }
    }

    /// How often the checkpoint thread checkpoints while the WAL grows, in ms (idle: every 200 ms). A server
    /// checkpoints small and often, which keeps the checkpoint's disk work from holding up commits (p99 ack
    /// latency at half the max rate of new failures: 28-55 ms every 200 ms, 3-4 ms every 2 ms). A node on
    /// flash keeps 200 ms: its rates are low, and each checkpoint rewrites the pages the commits since the
    /// last one touched, so checkpointing after every commit would write a hot page many times over.
    public var checkpointBusyMilliseconds: Int {
        switch self {
        case .standard: 2
        case .small: 200
        }
    }

    /// The admin reader's page cache, in KiB.
    public var readerCacheKiB: Int {
        switch self {
        case .standard: 4096
        case .small: 512
        }
    }

    /// Whether the HTTP side runs when `--http` is not given.
    public var servesHTTPByDefault: Bool { self == .standard }
}

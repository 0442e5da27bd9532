/// How much memory and how many threads compd spends: `default` for a server, `small` for an embedded
/// fleet node (`compd --profile small`).
///
/// | | default | small |
/// |---|---|---|
/// | writer's SQLite page cache (`cache_size`) | 8 MiB | 2 MiB |
/// | admin reader's page cache | 4 MiB | 512 KiB |
/// | SQLite memory map (`mmap_size`) | 0 (off) | 0 (off) |
/// | HTTP side (health, metrics, API, console; its event-loop threads) | on | off unless `--http` is given |
/// | start-up pages given back 1 s after serving (`ResidentMemory`) | no | yes |
///
/// The rest (one request socket, the core, ingress, outbox, admin and checkpoint threads) is the same: compd
/// has no pools to shrink beyond these. The caches are upper bounds SQLite fills as it reads pages, so
/// the profile shows in the resident memory after work more than right after start.
public enum BrokerProfile: String, Sendable, CaseIterable {
    /// A server: larger caches, the HTTP side on.
    case standard = "default"
    /// An embedded node: small caches, no HTTP unless asked for.
    case small

    /// The writer connection's page cache, in KiB (`PRAGMA cache_size = -N`).
    public var journalCacheKiB: Int {
        switch self {
        case .standard: 8192
        case .small: 2048
        }
    }

    /// The admin reader's page cache, in KiB.
    public var readerCacheKiB: Int {
        switch self {
        case .standard: 4096
        case .small: 512
        }
    }

    /// Whether compd gives back the clean file pages start-up touched (code and read-only data of the binary
    /// and its libraries that idle does not run) once it has served for a second: on a node whose memory is
    /// small, resident memory then counts what serving uses, not what starting used.
    public var releasesStartupPages: Bool { self == .small }

    /// Whether the HTTP side runs when `--http` is not given.
    public var servesHTTPByDefault: Bool { self == .standard }
}

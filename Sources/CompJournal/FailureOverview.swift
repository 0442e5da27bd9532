import CompModel

/// Failed attempts of the last day per service and hour, and the error codes seen most in the last hour
/// and the last day: what the console's overview draws, read from `failure_counts` (a few hundred rows,
/// never the journal).
public struct FailureOverview: Sendable, Hashable {
    /// One service's failed attempts per bucket, oldest first.
    public struct Series: Sendable, Hashable {
        public var service: String
        public var counts: [Int]

        public init(service: String, counts: [Int]) {
            self.service = service
            self.counts = counts
        }
    }

    /// How many failed attempts carried one error code.
    public struct CodeCount: Sendable, Hashable {
        public var code: String
        public var count: Int

        public init(code: String, count: Int) {
            self.code = code
            self.count = count
        }
    }

    /// The width of a series bucket: one hour.
    public static let bucket = TimeSpan.seconds(3600)
    /// Buckets in a series: the current hour and the 23 before.
    public static let buckets = 24
    /// The most codes in each top list.
    public static let topCodes = 10
    /// The "last hour" of `topHour`: the current 5-minute step and the 11 before.
    static let hourSteps = 12

    /// The start of the first bucket.
    public var since: Timestamp
    /// Services with failures in the window, by name, each with `buckets` counts.
    public var series: [Series]
    /// The codes of the last hour, most failures first (ties by code), at most `topCodes`.
    public var topHour: [CodeCount]
    /// The codes of the whole window, most failures first (ties by code), at most `topCodes`.
    public var topDay: [CodeCount]

    public init(since: Timestamp, series: [Series], topHour: [CodeCount], topDay: [CodeCount]) {
        self.since = since
        self.series = series
        self.topHour = topHour
        self.topDay = topDay
    }

    /// The overview at `now` from the `failure_counts` rows of its window.
    ///
    /// - Parameters:
    ///   - rows: the rows whose bucket starts at or after `window(now).since` (others are ignored).
    ///   - now: the broker's clock.
    public init(rows: [FailureCount], now: Timestamp) {
        let since = Self.since(now)
        let width = Self.bucket.milliseconds
        let step = Schema.failureBucketMilliseconds
        let hourFrom = Self.floor(now.milliseconds, step) - Int64(Self.hourSteps - 1) * step
        var perService: [String: [Int]] = [:]
        var hour: [String: Int] = [:]
        var day: [String: Int] = [:]
        for row in rows where row.bucket >= since {
            let index = Int((row.bucket.milliseconds - since.milliseconds) / width)
            guard index < Self.buckets else { continue }
            perService[row.service, default: Array(repeating: 0, count: Self.buckets)][index] += row.count
            day[row.code, default: 0] += row.count
            if row.bucket.milliseconds >= hourFrom { hour[row.code, default: 0] += row.count }
        }
        self.init(
            since: since,
            series: perService.keys.sorted().map { Series(service: $0, counts: perService[$0] ?? []) },
            topHour: Self.top(hour), topDay: Self.top(day))
    }

    /// The start of the first bucket of the overview at `now`: the start of the hour 23 hours before the current one.
    public static func since(_ now: Timestamp) -> Timestamp {
        Timestamp(milliseconds: floor(now.milliseconds, bucket.milliseconds) - Int64(buckets - 1) * bucket.milliseconds)
    }

    private static func floor(_ value: Int64, _ width: Int64) -> Int64 {
        value - ((value % width) + width) % width
    }

    private static func top(_ counts: [String: Int]) -> [CodeCount] {
        counts.map { CodeCount(code: $0.key, count: $0.value) }
            .sorted { ($1.count, $0.code) < ($0.count, $1.code) }
            .prefix(topCodes).map { $0 }
    }
}

/// The broker-assigned identifier of an execution: increasing, so newer executions sort later.
public typealias ExecutionID = Int64

/// A client-made 16-byte record identifier; a resend carries the same id and is a duplicate.
public struct RecordID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The high 8 bytes, big-endian.
    public var high: UInt64
    /// The low 8 bytes, big-endian.
    public var low: UInt64

    /// Creates a record id from its two big-endian halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates a record id from exactly 16 bytes; returns nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes, big-endian.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 16) { buffer, count in
            for index in 0..<8 {
                buffer[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
                buffer[index + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
            }
            count = 16
        }
    }

    /// Creates a record id from its 128-bit value (the high half first, as on the wire).
    public init(_ value: UInt128) {
        self.init(high: UInt64(truncatingIfNeeded: value >> 64), low: UInt64(truncatingIfNeeded: value))
    }

    /// Ordered by `high`, then `low`: the order of the 16 big-endian bytes, as SQLite compares the stored blobs
    /// (memcmp), and the order time-ordered ids are made in.
    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }

    /// The 128-bit value (`high` in the upper half).
    public var value: UInt128 { UInt128(high) << 64 | UInt128(low) }

    /// 32 lowercase hex digits.
    public var description: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    /// A time-ordered id (UUIDv7 layout): 48 bits of milliseconds, then random bits.
    ///
    /// Time-ordered ids keep the broker's dedupe index append-mostly.
    public static func timeOrdered(at time: Timestamp, using random: inout some RandomNumberGenerator) -> RecordID {
        let millis = UInt64(truncatingIfNeeded: max(0, time.milliseconds)) & 0xFFFF_FFFF_FFFF
        let randA = random.next() & 0x0FFF
        let high = millis << 16 | 0x7000 | randA
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return RecordID(high: high, low: low)
    }
}

/// What identifies one handler of one event; unique among open executions.
public struct ExecutionKey: Hashable, Sendable, CustomStringConvertible {
    /// A stable 64-bit FNV-1a hash of the four parts, each terminated by a zero byte.
    ///
    /// Stable across runs and platforms (unlike `hashValue`), so it can be stored. Computed once when the key
    /// is made or a part changes, not at each use: a record's key was hashed three times on the ingest path
    /// (the open-key lookup, the map update, the row's `key_hash`), about 5 % of a group commit's
    /// instructions. Declared first, so comparing two keys usually stops at it.
    public private(set) var stableHash: Int64
    /// The subscriber service that owns the handler.
    public var service: String { didSet { rehash() } }
    /// The processor (handler group) inside the service.
    public var processor: String { didSet { rehash() } }
    /// The handler function.
    public var function: String { didSet { rehash() } }
    /// The event the handler failed on.
    public var eventId: String { didSet { rehash() } }

    /// Creates a key.
    public init(service: String, processor: String, function: String, eventId: String) {
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        stableHash = Self.hash(service, processor, function, eventId)
    }

    private mutating func rehash() { stableHash = Self.hash(service, processor, function, eventId) }

    private static func hash(_ service: String, _ processor: String, _ function: String, _ eventId: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        // Over the contiguous UTF-8 when the string has it (native strings do): the UTF8View iterator's
        // per-byte checks were most of this function's cost in callgrind.
        func mix(_ part: String) {
            let done: Void? = part.utf8.withContiguousStorageIfAvailable { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            }
            if done == nil {
                for byte in part.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            }
            hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
        }
        mix(service)
        mix(processor)
        mix(function)
        mix(eventId)
        return Int64(bitPattern: hash)
    }

    public var description: String { "\(service)/\(processor)/\(function)#\(eventId)" }
}

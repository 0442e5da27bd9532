/// Where an encoder puts bytes: a `ByteWriter` stores them, a `ByteCounter` only counts them.
///
/// Encoding runs twice: once into a counter to learn the exact frame size, then once into a writer
/// whose array was reserved to that size, so a frame costs one allocation however large it is.
protocol ByteSink {
    /// Bytes put so far.
    var count: Int { get }
    /// Appends `value` big-endian.
    mutating func append<T: FixedWidthInteger>(bigEndian value: T)
    /// Appends raw bytes.
    mutating func append(contentsOf bytes: some Collection<UInt8>)
    /// Overwrites the u16 at `position` (a placeholder written earlier) big-endian.
    mutating func set(_ value: UInt16, at position: Int)
    /// Overwrites the u32 at `position` (a placeholder written earlier) big-endian.
    mutating func set(_ value: UInt32, at position: Int)
}

/// Appends encoded fields to a byte array.
struct ByteWriter: ByteSink {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// Creates a writer whose array has room for `capacity` bytes.
    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func append<T: FixedWidthInteger>(bigEndian value: T) {
        // Byte by byte into the reserved array: `append(contentsOf:)` of a raw buffer went through the
        // generic collection path and a memmove per integer (a third of `compctl load`'s CPU).
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    mutating func append(contentsOf bytes: some Collection<UInt8>) {
        self.bytes.append(contentsOf: bytes)
    }

    mutating func set(_ value: UInt16, at position: Int) {
        bytes[position] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[position + 1] = UInt8(truncatingIfNeeded: value)
    }

    mutating func set(_ value: UInt32, at position: Int) {
        for index in 0..<4 {
            bytes[position + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(index)))
        }
    }
}

/// Counts the bytes an encoding would take, without storing them.
struct ByteCounter: ByteSink {
    private(set) var count = 0

    mutating func append<T: FixedWidthInteger>(bigEndian value: T) {
        count += MemoryLayout<T>.size
    }

    mutating func append(contentsOf bytes: some Collection<UInt8>) {
        count += bytes.count
    }

    mutating func set(_ value: UInt16, at position: Int) {}

    mutating func set(_ value: UInt32, at position: Int) {}
}

// MARK: - Field encodings shared by every message

extension ByteSink {
    mutating func writeU8(_ value: UInt8) { append(bigEndian: value) }
    mutating func writeU16(_ value: UInt16) { append(bigEndian: value) }
    mutating func writeU32(_ value: UInt32) { append(bigEndian: value) }
    mutating func writeU64(_ value: UInt64) { append(bigEndian: value) }
    mutating func writeI64(_ value: Int64) { append(bigEndian: value) }

    /// 16 bytes, big-endian.
    mutating func writeU128(_ value: UInt128) {
        append(bigEndian: UInt64(truncatingIfNeeded: value >> 64))
        append(bigEndian: UInt64(truncatingIfNeeded: value))
    }

    /// One byte, 0 or 1.
    mutating func writeBool(_ value: Bool) { writeU8(value ? 1 : 0) }

    /// u32 byte length, then the UTF-8 bytes. Limits are the sender's duty; the receiver enforces them.
    mutating func writeString(_ value: String) {
        let utf8 = value.utf8
        writeU32(UInt32(truncatingIfNeeded: utf8.count))
        append(contentsOf: utf8)
    }

    /// u32 byte length, then the bytes.
    mutating func writeBytes(_ value: [UInt8]) {
        writeU32(UInt32(truncatingIfNeeded: value.count))
        append(contentsOf: value)
    }

    /// u32 count, then each item.
    mutating func writeArray<T: WireStruct>(_ items: [T]) {
        writeU32(UInt32(truncatingIfNeeded: items.count))
        for item in items {
            item.encode(to: &self)
        }
    }
}

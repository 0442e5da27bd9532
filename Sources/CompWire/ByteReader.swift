/// Reads big-endian wire fields from a byte array, checking every bound before it reads or allocates.
///
/// A reader covers a window `offset..<end` of one shared array; `subReader(length:_:)` hands out a
/// window for a tagged value without copying. Every failure is a `WireError`:
/// - fewer bytes left than a field needs → `malformedFrame`;
/// - a declared length or count above its hard limit → `limitExceeded` (checked first);
/// - a declared count whose items cannot fit in the bytes left → `malformedFrame`;
/// - a string that is not UTF-8 → `invalidUTF8`; a bool or enum byte out of range → `invalidField`.
struct ByteReader {
    private let bytes: [UInt8]
    /// The next byte to read.
    private(set) var offset: Int
    /// One past the last byte this reader may read.
    let end: Int

    /// Creates a reader over all of `bytes`.
    init(_ bytes: [UInt8]) {
        self.init(bytes: bytes, offset: bytes.startIndex, end: bytes.endIndex)
    }

    private init(bytes: [UInt8], offset: Int, end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    /// Bytes not yet read.
    var remaining: Int { end - offset }

    /// True when every byte has been read.
    var isAtEnd: Bool { offset == end }

    /// Throws `malformedFrame` unless `count` more bytes are available.
    func require(_ count: Int, _ field: StaticString) throws(WireError) {
        guard count <= remaining else {
            throw WireError(.malformedFrame, "\(field): needs \(count) bytes at offset \(offset), \(remaining) left")
        }
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int, _ field: StaticString) throws(WireError) {
        try require(count, field)
        offset += count
    }

    /// Reads an unsigned big-endian integer of `T`'s width.
    mutating func read<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, _ field: StaticString) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        try require(size, field)
        var value: T = 0
        for index in offset..<(offset + size) {
            value = value << 8 | T(bytes[index])
        }
        offset += size
        return value
    }

    mutating func readU8(_ field: StaticString) throws(WireError) -> UInt8 { try read(UInt8.self, field) }
    mutating func readU16(_ field: StaticString) throws(WireError) -> UInt16 { try read(UInt16.self, field) }
    mutating func readU32(_ field: StaticString) throws(WireError) -> UInt32 { try read(UInt32.self, field) }
    mutating func readU64(_ field: StaticString) throws(WireError) -> UInt64 { try read(UInt64.self, field) }

    /// Reads a two's-complement big-endian i64 (times, ids, cursors).
    mutating func readI64(_ field: StaticString) throws(WireError) -> Int64 {
        Int64(bitPattern: try readU64(field))
    }

    /// Reads a 16-byte big-endian u128 (record ids).
    mutating func readU128(_ field: StaticString) throws(WireError) -> UInt128 {
        try require(16, field)
        let high = try readU64(field)
        let low = try readU64(field)
        return UInt128(high) << 64 | UInt128(low)
    }

    /// Reads a bool: one byte, 0 or 1; anything else is `invalidField`.
    mutating func readBool(_ field: StaticString) throws(WireError) -> Bool {
        switch try readU8(field) {
        case 0: return false
        case 1: return true
        case let other: throw WireError(.invalidField, "\(field): bool byte \(other) is not 0 or 1")
        }
    }

    /// Reads a u8 that must lie in `range`, else `invalidField`.
    mutating func readU8(in range: ClosedRange<UInt8>, _ field: StaticString) throws(WireError) -> UInt8 {
        let value = try readU8(field)
        guard range.contains(value) else {
            throw WireError(.invalidField, "\(field): value \(value) outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// Reads a u8 enum discriminator and maps it to a `RawRepresentable` case, else `invalidField`.
    mutating func readEnum<E: RawRepresentable>(_: E.Type, _ field: StaticString) throws(WireError) -> E where E.RawValue == UInt8 {
        let raw = try readU8(field)
        guard let value = E(rawValue: raw) else {
            throw WireError(.invalidField, "\(field): unknown value \(raw)")
        }
        return value
    }

    /// Reads a u32 length and checks it against `max` (`limitExceeded`) and the bytes left (`malformedFrame`).
    mutating func readLength(max: Int, _ field: StaticString) throws(WireError) -> Int {
        let declared = try readU32(field)
        guard UInt64(declared) <= UInt64(max) else {
            throw WireError(.limitExceeded, "\(field): length \(declared) over limit \(max)")
        }
        let length = Int(declared)
        try require(length, field)
        return length
    }

    /// Reads a length-prefixed UTF-8 string of at most `max` bytes.
    mutating func readString(max: Int, _ field: StaticString) throws(WireError) -> String {
        let length = try readLength(max: max, field)
        let string = bytes.withUnsafeBufferPointer { all -> String? in
            let text = UnsafeBufferPointer(rebasing: all[offset..<(offset + length)])
            // Wire strings are mostly ASCII (names, codes, ids), which is valid UTF-8 as it stands:
            // `String(decoding:)` then copies without the generic validation path (whose metadata
            // lookups showed in compd's ingress profile).
            if Self.isASCII(text) { return String(decoding: text, as: UTF8.self) }
            return String(validating: text, as: UTF8.self)
        }
        guard let string else { throw WireError(.invalidUTF8, "\(field): not valid UTF-8") }
        offset += length
        return string
    }

    /// Whether every byte is below 0x80, eight at a time.
    private static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return true }
        var index = 0
        let count = text.count
        while index + 8 <= count {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < count {
            if base[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// Reads a length-prefixed byte string of at most `max` bytes.
    mutating func readBytes(max: Int, _ field: StaticString) throws(WireError) -> [UInt8] {
        let length = try readLength(max: max, field)
        let value = Array(bytes[offset..<(offset + length)])
        offset += length
        return value
    }

    /// Reads a u32 item count and checks it against `max` (`limitExceeded`) and against the bytes left,
    /// given that every item takes at least `minItemBytes` (`malformedFrame`), before anything is allocated.
    mutating func readCount(max: Int, minItemBytes: Int, _ field: StaticString) throws(WireError) -> Int {
        let declared = try readU32(field)
        guard UInt64(declared) <= UInt64(max) else {
            throw WireError(.limitExceeded, "\(field): count \(declared) over limit \(max)")
        }
        let count = Int(declared)
        guard count <= remaining / Swift.max(minItemBytes, 1) else {
            throw WireError(.malformedFrame, "\(field): \(count) items cannot fit in \(remaining) bytes")
        }
        return count
    }

    /// Reads a counted array of wire structs.
    mutating func readArray<T: WireStruct>(of _: T.Type, max: Int, _ field: StaticString) throws(WireError) -> [T] {
        let count = try readCount(max: max, minItemBytes: T.minEncodedBytes, field)
        var items: [T] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            items.append(try T(wire: &self))
        }
        return items
    }

    /// Returns a reader over the next `length` bytes and moves past them.
    mutating func subReader(length: Int, _ field: StaticString) throws(WireError) -> ByteReader {
        try require(length, field)
        let window = ByteReader(bytes: bytes, offset: offset, end: offset + length)
        offset += length
        return window
    }

    /// Reads the tag and length of the tagged entry at the absolute position `position` without moving.
    func peekEntryHeader(at position: Int) -> (tag: UInt16, length: Int) {
        let tag = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
        var length = 0
        for index in (position + 2)..<(position + 6) {
            length = length << 8 | Int(bytes[index])
        }
        return (tag, length)
    }

    /// Throws `malformedFrame` unless every byte has been read.
    func expectEnd(_ field: StaticString) throws(WireError) {
        guard isAtEnd else {
            throw WireError(.malformedFrame, "\(field): \(remaining) trailing bytes at offset \(offset)")
        }
    }
}

/// Appends the journal's compact binary values: LEB128 varints, zigzag for signed integers,
/// length-prefixed strings and bytes, a presence byte for optionals.
///
/// ```
/// uvarint  : 7 bits a byte, low group first, high bit = more follows (at most 10 bytes)
/// varint   : zigzag(value) as uvarint, so small negatives stay short
/// string   : uvarint byte count, then UTF-8
/// bytes    : uvarint byte count, then the bytes
/// optional : u8 0 (absent) | u8 1 then the value
/// ```
struct BodyWriter: BodySink {
    private(set) var bytes: [UInt8] = []

    /// - Parameter capacity: the bytes to reserve (an estimate; growing past it costs a copy).
    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func uvarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func append(raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }
}

/// Where the journal's values are written: `BodyWriter` (a growing array) or `BoundedBodyWriter` (memory sized
/// ahead). The value encodings are written once, here, for both.
protocol BodySink {
    mutating func u8(_ value: UInt8)
    mutating func uvarint(_ value: UInt64)
    /// Appends bytes as they are.
    mutating func append(raw: UnsafeRawBufferPointer)
}

extension BodySink {
    mutating func varint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ value: String) {
        let written: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            uvarint(UInt64(utf8.count))
            append(raw: UnsafeRawBufferPointer(utf8))
        }
        if written == nil {  // not contiguous (never for a native string): a contiguous copy
            var text = value
            text.withUTF8 { utf8 in
                uvarint(UInt64(utf8.count))
                append(raw: UnsafeRawBufferPointer(utf8))
            }
        }
    }

    mutating func data(_ value: [UInt8]) {
        uvarint(UInt64(value.count))
        value.withUnsafeBytes { append(raw: $0) }
    }

    mutating func optionalVarint(_ value: Int64?) {
        if let value {
            u8(1)
            varint(value)
        } else {
            u8(0)
        }
    }
}

/// Writes into memory the caller sized for the most its writes can take (`maxVarintBytes` a varint, and the
/// bytes themselves): each value is stored, not appended to an array that checks its uniqueness and capacity at
/// every byte. A creating failure's body is written this way on the ingress thread (callgrind: some 4.8k
/// instructions a record through `BodyWriter`). Writing past the size is a programming error and stops the
/// process (`precondition`) rather than write outside the memory.
struct BoundedBodyWriter: BodySink {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// The bytes written so far.
    private(set) var count = 0

    /// The most bytes a uvarint or varint takes.
    static let maxVarintBytes = 10

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 1)!
        capacity = buffer.count
    }

    mutating func u8(_ value: UInt8) {
        precondition(count < capacity, "BoundedBodyWriter: the size given was too small")
        base[count] = value
        count += 1
    }

    mutating func uvarint(_ value: UInt64) {
        precondition(count + Self.maxVarintBytes <= capacity, "BoundedBodyWriter: the size given was too small")
        var rest = value
        while rest >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: rest) | 0x80
            count += 1
            rest >>= 7
        }
        base[count] = UInt8(rest)
        count += 1
    }

    mutating func append(raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, !raw.isEmpty else { return }
        precondition(count + raw.count <= capacity, "BoundedBodyWriter: the size given was too small")
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: raw.count)
        count += raw.count
    }
}

/// Reads what `BodyWriter` wrote; every read is bounds-checked and throws on malformed input.
struct BodyReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte was read.
    var isAtEnd: Bool { index == bytes.count }

    private func malformed(_ what: String) -> JournalError {
        .corrupt("malformed journal body: \(what) at byte \(index) of \(bytes.count)")
    }

    mutating func u8() throws(JournalError) -> UInt8 {
        guard index < bytes.count else { throw malformed("truncated") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func uvarint() throws(JournalError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            guard shift < 64, !(shift == 63 && byte > 1) else { throw malformed("varint too long") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func varint() throws(JournalError) -> Int64 {
        let raw = try uvarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func int() throws(JournalError) -> Int {
        let value = try varint()
        guard let result = Int(exactly: value) else { throw malformed("integer out of range") }
        return result
    }

    private mutating func count() throws(JournalError) -> Int {
        let raw = try uvarint()
        guard raw <= UInt64(bytes.count - index) else { throw malformed("length \(raw) past the end") }
        return Int(raw)
    }

    mutating func string() throws(JournalError) -> String {
        let length = try count()
        defer { index += length }
        return String(decoding: bytes[index..<index + length], as: UTF8.self)
    }

    mutating func data() throws(JournalError) -> [UInt8] {
        let length = try count()
        defer { index += length }
        return Array(bytes[index..<index + length])
    }

    mutating func optionalVarint() throws(JournalError) -> Int64? {
        switch try u8() {
        case 0: return nil
        case 1: return try varint()
        case let flag: throw malformed("optional flag \(flag)")
        }
    }
}

/// Builds frames by hand, independently of the codec, for invalid and edge-case inputs (calls chain).
final class Bytes {
    init() {}
    var bytes: [UInt8] = []

    @discardableResult func u8(_ value: UInt8) -> Bytes { bytes.append(value); return self }
    @discardableResult func u16(_ value: UInt16) -> Bytes { be(UInt64(value), 2) }
    @discardableResult func u32(_ value: UInt32) -> Bytes { be(UInt64(value), 4) }
    @discardableResult func u64(_ value: UInt64) -> Bytes { be(value, 8) }
    @discardableResult func i64(_ value: Int64) -> Bytes { be(UInt64(bitPattern: value), 8) }
    @discardableResult func u128(_ value: UInt128) -> Bytes {
        u64(UInt64(truncatingIfNeeded: value >> 64))
        return u64(UInt64(truncatingIfNeeded: value))
    }
    @discardableResult func raw(_ values: [UInt8]) -> Bytes { bytes += values; return self }
    /// u32 length then UTF-8.
    @discardableResult func string(_ value: String) -> Bytes {
        u32(UInt32(value.utf8.count))
        return raw(Array(value.utf8))
    }
    /// u32 length then raw bytes (which need not be UTF-8).
    @discardableResult func lengthPrefixed(_ values: [UInt8]) -> Bytes {
        u32(UInt32(values.count))
        return raw(values)
    }
    /// An empty tagged section.
    @discardableResult func noTags() -> Bytes { u16(0) }

    private func be(_ value: UInt64, _ size: Int) -> Bytes {
        for index in (0..<size).reversed() {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
        return self
    }

    /// A whole frame around `body`: correct length prefix, then version, type, flags, request id.
    static func frame(
        type: UInt8, requestId: UInt32 = 1, version: UInt8 = 1, flags: UInt16 = 0, body: [UInt8]
    ) -> [UInt8] {
        let frame = Bytes()
        frame.u32(UInt32(8 + body.count)).u8(version).u8(type).u16(flags).u32(requestId)
        frame.raw(body)
        return frame.bytes
    }

    /// Builds a body with a closure.
    static func body(_ build: (Bytes) -> Void) -> [UInt8] {
        let body = Bytes()
        build(body)
        return body.bytes
    }
}

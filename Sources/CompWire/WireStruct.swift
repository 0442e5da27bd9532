/// A struct with a wire encoding: its fixed fields in order, then its tagged section.
protocol WireStruct {
    /// The fewest bytes one encoded value takes (every string, byte string and array empty, no tags);
    /// a decoder refuses a count whose items cannot fit in the bytes left before it allocates.
    static var minEncodedBytes: Int { get }
    /// Appends the encoding of `self`.
    func encode(to sink: inout some ByteSink)
    /// Reads one value, fixed fields and tagged section.
    init(wire reader: inout ByteReader) throws(WireError)
}

extension WireStruct {
    /// Encodes `self` alone (for tests and size checks).
    var wireBytes: [UInt8] {
        var counter = ByteCounter()
        encode(to: &counter)
        var writer = ByteWriter(capacity: counter.count)
        encode(to: &writer)
        return writer.bytes
    }
}

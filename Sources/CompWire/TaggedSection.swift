/// Tagged sections: how optional fields travel and how every struct can grow.
///
/// ```
/// +-----------+--------------------------------------------+
/// | u16 count | count × ( u16 tag | u32 length | value )   |
/// +-----------+--------------------------------------------+
/// ```
/// A value is the field's ordinary encoding, exactly `length` bytes. Encoders write tags in increasing
/// order and only for present fields. Decoders accept any order; they refuse a count above
/// `WireLimits.maxTaggedFields` (`limitExceeded`), a count whose entries cannot fit, a length past the end,
/// a repeated tag, and a known tag whose value does not fill its length exactly (all `malformedFrame`).
/// Unknown tags are skipped.
enum TaggedSection {
    /// Bytes of one entry's tag and length.
    static let entryHeaderBytes = 6
    /// Bytes of an empty section (its count).
    static let emptyBytes = 2
}

/// An open tagged section being written: where its count goes and how many fields it holds so far.
struct TaggedSectionMark {
    fileprivate let countPosition: Int
    fileprivate var fields: UInt16 = 0
}

extension ByteSink {
    /// Writes a placeholder count; close the section with `endTaggedSection(_:)`.
    mutating func beginTaggedSection() -> TaggedSectionMark {
        let mark = TaggedSectionMark(countPosition: count)
        writeU16(0)
        return mark
    }

    /// Writes one entry: the tag, the value's length, and the value `write` appends.
    mutating func writeTagged(_ tag: UInt16, in section: inout TaggedSectionMark, _ write: (inout Self) -> Void) {
        writeU16(tag)
        let lengthPosition = count
        writeU32(0)
        write(&self)
        set(UInt32(truncatingIfNeeded: count - lengthPosition - 4), at: lengthPosition)
        section.fields += 1
    }

    /// Writes the section's real count over its placeholder.
    mutating func endTaggedSection(_ section: TaggedSectionMark) {
        set(section.fields, at: section.countPosition)
    }

    /// Writes a section with no fields (count 0).
    mutating func writeEmptyTaggedSection() {
        writeU16(0)
    }
}

extension ByteReader {
    /// Reads a tagged section, calling `field` with each entry's tag and a reader over exactly its value.
    ///
    /// `field` returns true when it knows the tag (it must then have read the whole value) and false
    /// to skip it.
    ///
    /// Inlined, so that the variables a caller's `field` closure assigns stay on its stack: called, the closure's
    /// captures were boxed on the heap, one allocation per decoded record.
    @inline(__always)
    mutating func readTaggedSection(
        _ context: StaticString,
        _ field: (UInt16, inout ByteReader) throws(WireError) -> Bool
    ) throws(WireError) {
        let count = Int(try readU16(context))
        guard count <= WireLimits.maxTaggedFields else {
            throw WireError(.limitExceeded, "\(context): \(count) tagged fields over limit \(WireLimits.maxTaggedFields)")
        }
        guard count <= remaining / TaggedSection.entryHeaderBytes else {
            throw WireError(.malformedFrame, "\(context): \(count) tagged fields cannot fit in \(remaining) bytes")
        }
        let sectionStart = offset
        for index in 0..<count {
            let tag = try readU16(context)
            let declared = try readU32(context)
            guard UInt64(declared) <= UInt64(remaining) else {
                throw WireError(.malformedFrame, "\(context): tag \(tag) length \(declared) past the end (\(remaining) left)")
            }
            // Earlier entries were bounds-checked as they were read; rescan them for a repeat (at most 64).
            var position = sectionStart
            for _ in 0..<index {
                let earlier = peekEntryHeader(at: position)
                guard earlier.tag != tag else {
                    throw WireError(.malformedFrame, "\(context): tag \(tag) appears twice")
                }
                position += TaggedSection.entryHeaderBytes + earlier.length
            }
            var value = try subReader(length: Int(declared), context)
            if try field(tag, &value) {
                guard value.isAtEnd else {
                    throw WireError(.malformedFrame, "\(context): tag \(tag) value has \(value.remaining) unread bytes")
                }
            }
        }
    }

    /// Reads a tagged section in which no tag is known yet (every entry is skipped).
    mutating func skipTaggedSection(_ context: StaticString) throws(WireError) {
        try readTaggedSection(context) { _, _ throws(WireError) in false }
    }
}

/// The string and byte field kinds of the protocol, each with its hard limit from `WireLimits`.
///
/// | kind    | limit                       | used for                                               |
/// |---------|-----------------------------|--------------------------------------------------------|
/// | name    | maxNameBytes (256)          | service, processor, function, event id, correlation id, |
/// |         |                             | instance, client/broker name, error code, kinds         |
/// | text    | maxMessageBytes (4096)      | error messages, history summaries                       |
/// | detail  | maxDetailBytes (16384)      | error detail (stack trace)                              |
/// | payload | maxPayloadBytes (262144)    | record and command payloads                             |
extension ByteReader {
    /// A name-like string, at most `WireLimits.maxNameBytes` bytes.
    mutating func readName(_ field: StaticString) throws(WireError) -> String {
        try readString(max: WireLimits.maxNameBytes, field)
    }

    /// A message-like string, at most `WireLimits.maxMessageBytes` bytes.
    mutating func readText(_ field: StaticString) throws(WireError) -> String {
        try readString(max: WireLimits.maxMessageBytes, field)
    }

    /// An error detail, at most `WireLimits.maxDetailBytes` bytes.
    mutating func readDetail(_ field: StaticString) throws(WireError) -> String {
        try readString(max: WireLimits.maxDetailBytes, field)
    }

    /// A payload, at most `WireLimits.maxPayloadBytes` bytes.
    mutating func readPayload(_ field: StaticString) throws(WireError) -> [UInt8] {
        try readBytes(max: WireLimits.maxPayloadBytes, field)
    }

    /// An execution status byte: 1 FAILED, 2 PREPARED, 3 SUCCEEDED, 4 PARKED, 5 DISCARDED.
    mutating func readStatus(_ field: StaticString) throws(WireError) -> UInt8 {
        try readU8(in: WireEnums.status, field)
    }

    /// A park reason byte: 0 none, 1 exhausted, 2 unrecoverable, 3 deadline, 4 manual.
    mutating func readParkReason(_ field: StaticString) throws(WireError) -> UInt8 {
        try readU8(in: WireEnums.parkReason, field)
    }

    /// A recoverability byte: 0 unknown, 1 recoverable, 2 unrecoverable.
    mutating func readRecoverable(_ field: StaticString) throws(WireError) -> UInt8 {
        try readU8(in: WireEnums.recoverable, field)
    }
}

/// The ranges of the enum bytes that travel as plain `UInt8` fields.
enum WireEnums {
    /// Execution status: 1 FAILED, 2 PREPARED, 3 SUCCEEDED, 4 PARKED, 5 DISCARDED.
    static let status: ClosedRange<UInt8> = 1...5
    /// Park reason: 0 none, 1 exhausted, 2 unrecoverable, 3 deadline, 4 manual.
    static let parkReason: ClosedRange<UInt8> = 0...4
    /// Recoverability: 0 unknown, 1 recoverable, 2 unrecoverable.
    static let recoverable: ClosedRange<UInt8> = 0...2
}

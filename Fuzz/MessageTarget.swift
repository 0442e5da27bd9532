// libFuzzer target: every message decoder. The first input byte picks the message type: the type with that byte
// (so a golden vector's type byte and body are a seed as they are), else the type at that index in
// `MessageType.allCases`, modulo their count; the rest is the body, framed with a valid length prefix and
// header, so every input reaches a body decoder. At exit it prints, per type, how many inputs it ran and how
// many decoded, so a run shows that every decoder was reached.
// Built by tools/fuzz against CompWire (compiled with the fuzzer's instrumentation) and WireProperties.swift.

import CompWire
import Glibc

/// Per message type (index in `MessageType.allCases`): inputs run, inputs that decoded. Touched only by
/// libFuzzer's one fuzzing thread and, after it returns, by the exit handler.
nonisolated(unsafe) var runsPerType = [Int](repeating: 0, count: MessageType.allCases.count)
nonisolated(unsafe) var decodedPerType = [Int](repeating: 0, count: MessageType.allCases.count)
nonisolated(unsafe) var summaryRegistered = false

/// A frame around `body`: length prefix, version 1, `type`, flags 0, request id 7.
func framed(_ type: MessageType, _ body: ArraySlice<UInt8>) -> [UInt8] {
    let length = UInt32(truncatingIfNeeded: WireLimits.headerBytes + body.count)
    var bytes: [UInt8] = [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    bytes += [WireLimits.protocolVersion, type.rawValue, 0, 0, 0, 0, 0, 7]
    bytes += body
    return bytes
}

func printSummary() {
    var lines = "message decoders (type: inputs run / decoded):\n"
    for (index, type) in MessageType.allCases.enumerated() {
        let hex = String(type.rawValue, radix: 16)
        lines += "  0x\(hex.count == 1 ? "0" + hex : hex) \(type): \(runsPerType[index]) / \(decodedPerType[index])\n"
    }
    let reached = runsPerType.filter { $0 > 0 }.count
    lines += "message decoders reached: \(reached) of \(MessageType.allCases.count)\n"
    // Straight to file descriptor 2, beside libFuzzer's own lines (no stdio stream is shared).
    _ = lines.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if !summaryRegistered {
        summaryRegistered = true
        atexit { printSummary() }
    }
    guard let data, size >= 1 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let type = MessageType(rawValue: input[0]) ?? MessageType.allCases[Int(input[0]) % MessageType.allCases.count]
    let index = MessageType.allCases.firstIndex(of: type) ?? 0
    let bytes = framed(type, Array(input)[1...])
    runsPerType[index] += 1
    // The header is valid, so only the body's codes may come back.
    guard let frame = checkFrame(bytes, allowed: [.malformedFrame, .limitExceeded, .invalidUTF8, .invalidField]) else { return 0 }
    guard frame.message.type == type, frame.requestId == 7 else { violated("decoded as \(frame.message.type), framed as \(type)", bytes) }
    decodedPerType[index] += 1
    return 0
}

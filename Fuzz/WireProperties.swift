// Compiled into each wire fuzz target (the frame and the message target). Not a SwiftPM target: tools/fuzz
// builds it.

import CompWire

/// The codes a decoder may refuse a frame with: PROTOCOL.md section 9 (decoding failures), nothing else.
let decodingCodes: Set<ErrorCode> = [
    .malformedFrame, .frameTooLarge, .unsupportedVersion, .unknownMessageType, .lengthMismatch,
    .limitExceeded, .invalidUTF8, .invalidField,
]

/// Stops the run with `message`: libFuzzer reports the input as a crash and writes it to `crash-<sha1>`.
func violated(_ message: String, _ bytes: [UInt8]) -> Never {
    let hex = bytes.prefix(64).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    fatalError("property violated: \(message); input (\(bytes.count) bytes, first 64): \(hex.joined(separator: " "))")
}

/// The properties every decoded input must keep.
///
/// - A frame that decodes re-encodes to bytes that decode to an equal frame, and those bytes are a fixed point
///   (encode(decode(encode(f))) == encode(f)): the canonical form is stable. The input itself need not be
///   canonical (unknown tags and tags out of order are skipped: PROTOCOL.md section 4).
/// - A refusal carries one of `decodingCodes` and a non-empty message.
/// - Returns: The decoded frame, or nil when it was refused.
@discardableResult
func checkFrame(_ bytes: [UInt8], allowed: Set<ErrorCode> = decodingCodes) -> Frame? {
    let frame: Frame
    do throws(WireError) {
        frame = try FrameCodec.decode(bytes)
    } catch {
        guard allowed.contains(error.code) else { violated("refused with \(error.code), not a decoding code", bytes) }
        guard !error.message.isEmpty else { violated("refused with \(error.code) and no message", bytes) }
        return nil
    }
    let canonical = FrameCodec.encode(frame)
    let again: Frame
    do throws(WireError) {
        again = try FrameCodec.decode(canonical)
    } catch {
        violated("decoded, but its re-encoding is refused: \(error)", bytes)
    }
    guard again == frame else { violated("re-encoding decodes to another frame", bytes) }
    guard FrameCodec.encode(again) == canonical else { violated("canonical encoding is not a fixed point", bytes) }
    guard canonical.count <= bytes.count else {
        violated("canonical encoding (\(canonical.count) bytes) longer than the input", bytes)
    }
    return frame
}

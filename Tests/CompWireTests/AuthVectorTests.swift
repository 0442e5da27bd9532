import CompWire
import Crypto
import Foundation
import Testing

struct AuthVectorTests {
    /// The trailer's bytes for a key id of `keyIdBytes` bytes: count, tags 1–3, tag 4 (PROTOCOL.md 2.1).
    static func trailerBytes(keyIdBytes: Int) -> Int { 2 + (6 + 4 + keyIdBytes) + (6 + 8) + (6 + 16) + (6 + 32) }

    /// The MAC computed from the bytes alone, as a client in another language would: everything from offset 4
    /// to the trailer, then the trailer's entries of tags 1–3 (they sit right after its 2-byte count).
    static func expectedMAC(_ bytes: [UInt8]) -> (mac: [UInt8], found: [UInt8]) {
        let trailerStart = bytes.count - trailerBytes(keyIdBytes: AuthVectors.keyId.utf8.count)
        let tagsStart = trailerStart + 2
        let macStart = bytes.count - 32
        let input = Array(bytes[4..<trailerStart]) + Array(bytes[tagsStart..<(macStart - 6)])
        return (AuthVectors.mac(input), Array(bytes[macStart...]))
    }

    @Test("signed vectors decode with their trailer, re-encode byte for byte, and carry the MAC the spec's rule gives",
          arguments: AuthVectors.signed.map(\.name))
    func signedVector(name: String) throws {
        let expected = try #require(AuthVectors.signed.first { $0.name == name })
        let vector = try VectorFiles.read(VectorFiles.directory.appendingPathComponent(name + ".hex"))
        #expect(vector.bytes == expected.bytes)
        #expect(vector.comments == [expected.description] + expected.comments)
        #expect(vector.bytes[6] == 0 && vector.bytes[7] == 1, "flag bit 0")
        let (frame, signedEnd) = try FrameCodec.decodeSigned(vector.bytes)
        let trailer = try #require(frame.auth)
        #expect(trailer.keyId == AuthVectors.keyId)
        #expect(signedEnd == vector.bytes.count - Self.trailerBytes(keyIdBytes: AuthVectors.keyId.utf8.count))
        #expect(FrameCodec.encode(frame) == vector.bytes)
        let (mac, found) = Self.expectedMAC(vector.bytes)
        #expect(mac == found)
        #expect(AuthVectors.mac(trailer.macInput(frameBytes: vector.bytes, signedEnd: signedEnd).bytes) == trailer.mac)
        var unsigned = frame
        unsigned.auth = nil
        unsigned.flags = 0
        let plain = name == "fetch_signed" ? AuthVectors.fetch : AuthVectors.emptyCommands
        #expect(unsigned == plain)
    }

    @Test("refused vectors decode, and fail the check their file names: a wrong MAC, a timestamp outside the window",
          arguments: AuthVectors.refused.map(\.name))
    func refusedVector(name: String) throws {
        let expected = try #require(AuthVectors.refused.first { $0.name == name })
        let vector = try VectorFiles.read(VectorFiles.invalidDirectory.appendingPathComponent(name + ".hex"))
        #expect(vector.bytes == expected.bytes)
        let code = try #require(expected.code)
        #expect(vector.expectedError?.name == code.description)
        #expect(vector.expectedError?.number == code.rawValue)
        #expect(vector.expectedField == expected.field)
        let frame = try FrameCodec.decode(vector.bytes)
        let trailer = try #require(frame.auth)
        let (mac, found) = Self.expectedMAC(vector.bytes)
        switch expected.field {
        case "AuthTrailer.mac":
            #expect(mac != found)
        case "AuthTrailer.timestamp":
            #expect(mac == found)
            #expect(abs(trailer.timestamp - AuthVectors.time) > AuthVectors.window)
        default:
            Issue.record("unexpected field \(String(describing: expected.field))")
        }
    }

    @Test("a signed frame whose MAC is not 32 bytes, or whose trailer lacks a tag, is malformed_frame")
    func badTrailers() throws {
        let good = FrameCodec.encode(AuthVectors.fetch, signing: AuthVectors.signing(AuthVectors.time, AuthVectors.requestNonce))
        var short = Array(good.dropLast())
        short[short.count - 31 - 1] = 31  // tag 4's length 32 → 31
        let shortLength = UInt32(short.count - 4)
        short.replaceSubrange(0..<4, with: [UInt8(shortLength >> 24), UInt8(truncatingIfNeeded: shortLength >> 16),
                                            UInt8(truncatingIfNeeded: shortLength >> 8), UInt8(truncatingIfNeeded: shortLength)])
        #expect(throws: WireError(.malformedFrame, "AuthTrailer.mac: 31 bytes, must be 32")) { try FrameCodec.decode(short) }
        // The unsigned Fetch with flag bit 0 set: the body's end is followed by no trailer.
        var flagged = FrameCodec.encode(AuthVectors.fetch)
        flagged[7] = 1
        #expect { try FrameCodec.decode(flagged) } throws: { ($0 as? WireError)?.code == .malformedFrame }
    }

    @Test("writes the signed vector files", .enabled(if: ProcessInfo.processInfo.environment["COMPWIRE_WRITE_VECTORS"] == "1"))
    func writeVectors() throws {
        for vector in AuthVectors.signed {
            try VectorFiles.render(comments: [vector.description] + vector.comments, bytes: vector.bytes)
                .write(to: VectorFiles.directory.appendingPathComponent(vector.name + ".hex"), atomically: true, encoding: .utf8)
        }
        for vector in AuthVectors.refused {
            var comments = [vector.description]
            if let code = vector.code { comments.append("error: \(code) (\(code.rawValue))") }
            if let field = vector.field { comments.append("field: \(field)") }
            try VectorFiles.render(comments: comments + vector.comments, bytes: vector.bytes)
                .write(to: VectorFiles.invalidDirectory.appendingPathComponent(vector.name + ".hex"), atomically: true, encoding: .utf8)
        }
    }
}

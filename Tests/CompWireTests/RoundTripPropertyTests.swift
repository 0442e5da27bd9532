import CompWire
import PropertyBased
import Testing

struct RoundTripPropertyTests {
    @Test("encode then decode gives the same value, decode then encode the same bytes, and encodedCount the size, for every message type",
          arguments: MessageType.allCases)
    func roundTrip(type: MessageType) async {
        await propertyCheck(count: 200, input: Gen.frame(of: type)) { frame in
            let bytes = FrameCodec.encode(frame)
            #expect(bytes[5] == type.rawValue)
            #expect(FrameCodec.encodedCount(frame) == bytes.count)  // counted without encoding, same size
            let decoded = try FrameCodec.decode(bytes)
            #expect(decoded == frame)
            #expect(FrameCodec.encode(decoded) == bytes)
        }
    }

    @Test("a random byte changed in a valid frame gives a frame or an error, never a crash",
          arguments: [MessageType.recordBatch, .commands, .listReply, .showReply, .actionRequest, .statsReply])
    func mutatedBytes(type: MessageType) async {
        await propertyCheck(count: 200, input: Gen.frame(of: type), Gen.int(in: 0...Int.max), Gen<UInt8>.value()) { frame, position, value in
            var bytes = FrameCodec.encode(frame)
            bytes[position % bytes.count] = value
            guard let decoded = try? FrameCodec.decode(bytes) else { return }
            // Whatever decodes re-encodes without loss of the value.
            let again = try FrameCodec.decode(FrameCodec.encode(decoded))
            #expect(again == decoded)
        }
    }
}

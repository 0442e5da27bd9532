// libFuzzer target: FrameCodec.decode on arbitrary bytes (length prefix, header and body all fuzzed).
// Built by tools/fuzz against CompWire (compiled with the fuzzer's instrumentation) and WireProperties.swift.

import CompWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    checkFrame(bytes)
    return 0
}

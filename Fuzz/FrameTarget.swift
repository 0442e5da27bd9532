// libFuzzer target: FrameCodec.decode on arbitrary bytes (length prefix, header and body all fuzzed).
// Built by tools/fuzz with Sources/CompWire/*.swift and WireProperties.swift.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    checkFrame(bytes)
    return 0
}

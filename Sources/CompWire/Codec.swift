/// Encodes and decodes frames. Pure: bytes in, values out.
public enum FrameCodec {}

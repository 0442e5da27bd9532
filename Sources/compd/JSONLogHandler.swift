#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CompModel
import Logging
import Synchronization

/// How compd writes its log lines to standard error (`--log-format`).
enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's `StreamLogHandler`: `<time> <level> <label>: k=v ... [<source>] <message>`.
    case text
    /// One JSON object a line (`JSONLogHandler`).
    case json
}

/// A log handler that writes one JSON object a line:
///
/// ```
/// {"ts":"2026-11-30T09:20:00.123Z","level":"notice","label":"compd","source":"CompBroker",
///  "message":"execution parked","correlation_id":"order-42","event_id":"evt-1",...}
/// ```
///
/// `ts` is RFC 3339 in UTC with milliseconds; `level`, `label`, `source` and `message` follow; then every
/// metadata key (the handler's, the metadata provider's and the line's, the line's winning) as a
/// top-level string field, in key order. A metadata key that is one of the fixed names (`ts`, `level`,
/// `label`, `source`, `message`, `error`) is written as `meta_<key>`. Lines are built whole, then written
/// to the file descriptor under one lock shared by every handler of the process, so lines from
/// different threads never interleave.
struct JSONLogHandler: LogHandler {
    /// The names the handler writes itself; metadata keys equal to one of them get the `meta_` prefix.
    static let reservedKeys: Set<String> = ["ts", "level", "label", "source", "message", "error"]

    private let label: String
    private let output: LineOutput
    /// The lowest level written.
    var logLevel: Logger.Level = .info
    /// Metadata added to every line of this handler.
    var metadata: Logger.Metadata = [:]
    /// Metadata from the task-local context, merged under the line's own.
    var metadataProvider: Logger.MetadataProvider?

    /// - Parameters:
    ///   - label: the logger's label.
    ///   - output: where lines go (standard error by default).
    init(label: String, output: LineOutput = .standardError) {
        self.label = label
        self.output = output
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line = JSONLine()
        line.field("ts", WallClock.now().iso8601)
        line.field("level", event.level.rawValue)
        line.field("label", label)
        line.field("source", event.source)
        line.field("message", event.message.description)
        if let error = event.error { line.field("error", "\(error)") }
        for key in merged.keys.sorted() {
            guard let value = merged[key] else { continue }
            line.field(Self.reservedKeys.contains(key) ? "meta_" + key : key, Self.text(value))
        }
        output.write(line.finished())
    }

    /// A metadata value as one string: strings as they are, the rest as swift-log describes them.
    private static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        default: value.description
        }
    }
}

/// One JSON object being written, as UTF-8 bytes.
struct JSONLine {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    /// Appends `"name":"value"`, both escaped.
    mutating func field(_ name: String, _ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
        string(value)
    }

    /// The object, closed, with its line break.
    func finished() -> [UInt8] { bytes + [UInt8(ascii: "}"), UInt8(ascii: "\n")] }

    /// A JSON string (RFC 8259): `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`;
    /// every other scalar as its UTF-8 (Swift strings are valid Unicode, so the output is valid UTF-8).
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                          hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A file descriptor that whole lines are written to, one writer at a time: the lock is held for the
/// whole line (through short writes and EINTR), so a line is never torn by another thread's.
final class LineOutput: Sendable {
    /// Standard error, shared by every handler of the process.
    static let standardError = LineOutput(descriptor: 2)

    private let descriptor: Int32
    private let lock = Mutex<Void>(())

    /// - Parameter descriptor: an open file descriptor the output does not own (never closed).
    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Writes `line` entirely; gives up on an error other than EINTR/EAGAIN (a log line cannot be
    /// reported anywhere else).
    func write(_ line: [UInt8]) {
        lock.withLock { _ in
            line.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    #if canImport(Glibc)
                    let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                    #else
                    let written = Darwin.write(descriptor, base + offset, buffer.count - offset)
                    #endif
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR {
                        continue
                    } else if written < 0, errno == EAGAIN {
                        // A non-blocking descriptor that is full: wait until it takes bytes again.
                        var wait = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&wait, 1, 100)
                    } else {
                        return
                    }
                }
            }
        }
    }
}

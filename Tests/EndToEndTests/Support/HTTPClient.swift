import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET through URLSession (no cache, no cookies): the status and the body as text.
func httpGet(_ url: String, timeout: TimeInterval = 10) async throws -> (status: Int, body: String) {
    guard let address = URL(string: url) else { throw TestFailure("not a URL: \(url)") }
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    let session = URLSession(configuration: configuration)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(from: address)
    guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response from \(url)") }
    return (http.statusCode, String(decoding: data, as: UTF8.self))
}

/// A listening TCP socket on 127.0.0.1 (to hold a port), closed by `close()`.
struct ListeningSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 4) == 0 else { throw TestFailure("bind/listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}

/// Prometheus text exposition, parsed strictly enough to catch a malformed line: every line is empty,
/// a `# HELP`/`# TYPE` comment, or `name{label="value",...} number`.
struct PrometheusText {
    /// Each sample: the metric name with its labels as written, and the value.
    private(set) var samples: [(series: String, value: Double)] = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
            guard let space = line.lastIndex(of: " ") else { throw TestFailure("no value: \(line)") }
            let series = String(line[..<space])
            guard let value = Double(line[line.index(after: space)...]) ?? (line.hasSuffix("+Inf") ? .infinity : nil) else {
                throw TestFailure("not a number: \(line)")
            }
            let name = series.prefix { $0 != "{" }
            guard let first = name.first, first.isLetter || first == "_" || first == ":",
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") })
            else { throw TestFailure("bad metric name: \(line)") }
            if series.count > name.count {
                guard series.hasSuffix("}") else { throw TestFailure("unclosed labels: \(line)") }
            }
            samples.append((series, value))
        }
    }

    /// The sum of the samples whose series starts with `prefix` (a name, or a name and some labels).
    func sum(_ prefix: String) -> Double {
        samples.filter { $0.series.hasPrefix(prefix) }.reduce(0) { $0 + $1.value }
    }

    /// Whether any sample's series starts with `prefix`.
    func has(_ prefix: String) -> Bool { samples.contains { $0.series.hasPrefix(prefix) } }
}

/// A compd with HTTP on a free loopback port, started and answering `/healthz`.
///
/// - Parameters:
///   - dataDirectory: its `--data`.
///   - logDirectory: where its log goes.
///   - host: the address it listens on (the base URL always goes through 127.0.0.1).
///   - extra: more arguments.
/// - Returns: the process, the base URL and the port.
func startHTTPBroker(dataDirectory: String, logDirectory: String, host: String = "127.0.0.1",
                     extra: [String] = []) async throws -> (broker: BrokerProcess, base: String, port: Int) {
    let port = try freeLoopbackPort()
    let broker = BrokerProcess(dataDirectory: dataDirectory, extraArguments: ["--http", "\(host):\(port)"] + extra,
                               logDirectory: logDirectory)
    try broker.start()
    let base = "http://127.0.0.1:\(port)"
    guard await poll(30, { (try? await httpGet(base + "/healthz"))?.status == 200 }) else {
        throw TestFailure("no HTTP on \(base): \(broker.log)")
    }
    return (broker, base, port)
}

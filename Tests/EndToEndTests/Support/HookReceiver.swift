import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 receiver of notifications on 127.0.0.1, in the test process: it records every request
/// (path, headers, body) and answers as it is told (200, another status, after a delay, or not until told).
/// It can be stopped (connections are then refused) and started again on the same port.
///
/// It serves on threads of its own (one accepting, one per connection, keep-alive honoured), never on
/// Swift's cooperative pool: the parallel suite's blocking tests can fill that pool, and a receiver served
/// there answered after compd's 10 s request timeout.
final class HookReceiver: Sendable {
    /// One request as received.
    struct Received: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]

        /// The body parsed as a JSON object (nil when it is not one).
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }

        /// The `Idempotency-Key` header.
        var idempotencyKey: String? { headers["idempotency-key"] }
    }

    /// How the receiver answers.
    enum Answer: Sendable {
        /// 200 with an empty JSON object.
        case ok
        /// This status, with a short text body.
        case status(Int)
        /// 200, after waiting this long.
        case slow(Duration)
        /// Nothing until `answer(_:)` sets another answer; then that one.
        case hold
    }

    private struct State {
        var received: [Received] = []
        var answer: Answer = .ok
        /// Requests answered 2xx (the ones a sender counts as delivered).
        var accepted: [Received] = []
        var port = 0
        /// The listening socket while serving.
        var listener: Int32?
        /// Open connections, shut down by `stop()`.
        var connections: Set<Int32> = []
        /// Bumped by `stop()`: requests held from before it end.
        var generation = 0
    }

    private let state = Mutex(State())
    /// Wakes held requests when the answer changes or the receiver stops.
    private let changed = NSCondition()

    /// The port it listens on (fixed by the first `start()`).
    var port: Int { state.withLock { $0.port } }

    /// The URL of a hook on this receiver (`http://127.0.0.1:PORT/PATH`).
    func url(_ path: String = "hook") -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Every request received so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    /// The requests answered with a 2xx, in arrival order.
    var accepted: [Received] { state.withLock { $0.accepted } }

    /// The accepted requests as a receiver that drops repeats by `Idempotency-Key` keeps them: the first of
    /// each key, in arrival order. (A sender whose request timed out sends it again with the same key.)
    var delivered: [Received] {
        var seen = Set<String>()
        return accepted.filter { seen.insert($0.idempotencyKey ?? "").inserted }
    }

    /// Sets how later requests (and the ones held now) are answered.
    func answer(_ answer: Answer) {
        state.withLock { $0.answer = answer }
        wakeHeld()
    }

    /// Starts serving: on a free port the first time, on the same port after a `stop()`.
    func start() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("hook receiver: socket() failed, errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let error = errno
            close(fd)
            throw TestFailure("hook receiver: cannot listen on 127.0.0.1:\(port), errno \(error)")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        state.withLock { state in
            state.port = Int(UInt16(bigEndian: local.sin_port))
            state.listener = fd
        }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "hook-receiver"
        thread.start()
    }

    /// Stops serving: closes the listening socket and every open connection, so later connections are refused.
    func stop() async {
        let (listener, connections) = state.withLock { state in
            defer {
                state.listener = nil
                state.connections = []
                state.generation += 1
            }
            return (state.listener, state.connections)
        }
        if let listener {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
        for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
        wakeHeld()
    }

    /// Wakes the requests held by `.hold` (they look at the answer and the generation again).
    private func wakeHeld() {
        changed.lock()
        changed.broadcast()
        changed.unlock()
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return  // the listener was closed by stop()
            }
            let admitted = state.withLock { state -> Bool in
                guard state.listener == listener else { return false }
                state.connections.insert(connection)
                return true
            }
            guard admitted else {
                close(connection)
                return
            }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "hook-receiver-connection"
            thread.start()
        }
    }

    /// Serves requests on one connection until the peer closes it, asks to, or the receiver stops.
    private func serve(_ connection: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(connection) }
            close(connection)
        }
        var reader = RequestReader(fd: connection)
        let generation = state.withLock { $0.generation }
        while let request = reader.next() {
            var answer = state.withLock { state in
                state.received.append(request)
                return state.answer
            }
            if case .hold = answer {
                changed.lock()
                while true {
                    let (now, stopped) = state.withLock { ($0.answer, $0.generation != generation) }
                    if stopped { answer = .status(503); break }
                    if case .hold = now { changed.wait() } else { answer = now; break }
                }
                changed.unlock()
            }
            let status: Int
            switch answer {
            case .ok, .hold: status = 200
            case .status(let code): status = code
            case .slow(let delay):
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                status = 200
            }
            guard state.withLock({ $0.generation == generation }) else { return }  // stopped meanwhile: no answer
            if (200..<300).contains(status) { state.withLock { $0.accepted.append(request) } }
            let body = (200..<300).contains(status) ? "{}" : "told to answer \(status)"
            let response = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\nContent-Type: "
                + "\((200..<300).contains(status) ? "application/json" : "text/plain")\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                + body
            guard writeAll(connection, Array(response.utf8)) else { return }
            if request.headers["connection"]?.lowercased() == "close" { return }
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    deinit {
        let (listener, connections) = state.withLock { ($0.listener, $0.connections) }
        if let listener { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
        for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
    }
}

/// Reads HTTP/1.1 requests from a socket: the request line, headers (names lower-cased), and a body by
/// `Content-Length` or chunked transfer coding.
private struct RequestReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// The next request, or nil when the connection ended or sent something that is not HTTP.
    mutating func next() -> HookReceiver.Received? {
        guard let head = readUntilBlankLine(), let text = String(bytes: head, encoding: .utf8) else { return nil }
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = []
            while true {
                guard let sizeLine = readLine(), let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { return nil }
                if size == 0 {
                    while let trailer = readLine(), !trailer.isEmpty {}
                    break
                }
                guard let chunk = read(count: size), readLine() != nil else { return nil }
                body += chunk
            }
        } else {
            guard let chunk = read(count: Int(headers["content-length"] ?? "0") ?? 0) else { return nil }
            body = chunk
        }
        let target = String(requestLine[1])
        let path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        return HookReceiver.Received(method: String(requestLine[0]), path: path, headers: headers, body: body)
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer += chunk[..<count]
            return true
        }
    }

    private mutating func readUntilBlankLine() -> [UInt8]? {
        let marker: [UInt8] = [13, 10, 13, 10]
        while true {
            if buffer.count >= 4, let end = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<($0 + 4)]) == marker }) {
                let head = Array(buffer[..<end])
                buffer.removeFirst(end + 4)
                return head
            }
            guard buffer.count < 1 << 20, fill() else { return nil }
        }
    }

    private mutating func readLine() -> String? {
        while true {
            if let end = buffer.indices.dropLast().first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 2)
                return line
            }
            guard buffer.count < 1 << 20, fill() else { return nil }
        }
    }

    private mutating func read(count: Int) -> [UInt8]? {
        while buffer.count < count { guard fill() else { return nil } }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass, without blocking a thread.
func waitUntil(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

import Foundation

/// One HTTP/1.1 request on a plain TCP socket to 127.0.0.1, read as bytes arrive: for a server-sent event
/// stream (which URLSession on Linux only hands over at the end), a conditional GET, or a client that
/// does not read at all. Closed by `close()`.
final class RawHTTPStream {
    private let descriptor: Int32
    /// Everything read so far (headers and body), as text.
    private(set) var received = ""
    /// Whether the server closed the connection.
    private(set) var closedByPeer = false

    /// Connects and sends `GET path` with `headers`; `receiveBuffer` shrinks the socket's receive buffer
    /// (a slow client: the server's writes back up sooner).
    init(port: Int, path: String, headers: [String: String] = [:], receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw TestFailure("connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            Glibc.close(descriptor)
            throw TestFailure("send: errno \(errno)")
        }
    }

    /// Reads until `condition` holds on what was received, the peer closes, or `seconds` pass; returns
    /// whether the condition held.
    @discardableResult
    func read(for seconds: Double, until condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !condition(received) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(left, 1) * 1000)) >= 0 else { return false }
            guard poller.revents != 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else {
                closedByPeer = true
                return condition(received)
            }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return true
    }

    /// Reads until `text` has been received (searching only what is new each time: a stream of megabytes
    /// stays cheap to watch), the peer closes, or `seconds` pass; returns whether it came.
    @discardableResult
    func read(for seconds: Double, untilReceived text: String) -> Bool {
        let needle = Array(text.utf8)
        var searched = received.utf8.count
        var found = false
        _ = read(for: seconds) { received in
            let bytes = received.utf8
            let start = bytes.index(bytes.startIndex, offsetBy: max(0, searched - needle.count))
            found = found || bytes[start...].firstRange(of: needle) != nil
            searched = bytes.count
            return found
        }
        return found
    }

    /// Forgets what was received so far.
    func forget() { received = "" }

    /// The status code of the response, once its first line has been read.
    var status: Int? {
        guard received.hasPrefix("HTTP/1.1 "), received.count >= 12 else { return nil }
        return Int(received.dropFirst(9).prefix(3))
    }

    /// The `data:` lines of the server-sent events named `event` received so far, in order.
    func events(_ event: String) -> [String] {
        // Chunk sizes end up as lines of their own; "\r\n" is one Character in Swift, so it goes first.
        received.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { frame in
            let lines = frame.components(separatedBy: "\n")
            guard lines.contains("event: \(event)") else { return nil }
            return lines.first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        }
    }

    func close() { Glibc.close(descriptor) }
}

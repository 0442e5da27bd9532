import Foundation
import Glibc

/// A TCP relay on real sockets between clients and a server on 127.0.0.1 that can freeze: while
/// frozen it forwards nothing in either direction and closes nothing (connections stay open, bytes
/// wait in the kernel's buffers), which is what a half-open link looks like to both ends. Thawed, it
/// forwards again, the waiting bytes first.
///
/// `@unchecked Sendable`: the flags and the list of open sockets are only touched under `Locked`'s
/// lock; each pair of sockets is read and written by its two pump threads, closed by the last of them.
final class TCPRelay: @unchecked Sendable {
    /// The port clients connect to.
    let port: UInt16
    private let targetPort: UInt16
    private let listener: Int32
    private let flags = Locked((frozen: false, stopped: false))
    private let threads = DispatchGroup()

    /// Listens on a free port of 127.0.0.1 and relays every connection to `targetPort`.
    init(targetPort: UInt16) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("relay: socket failed, errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Self.bind(fd, port: 0), listen(fd, 64) == 0, let bound = Self.localPort(fd) else {
            close(fd)
            throw TestFailure("relay: cannot listen, errno \(errno)")
        }
        listener = fd
        port = bound
        threads.enter()
        Thread { [self] in
            acceptLoop()
            threads.leave()
        }.start()
    }

    /// A port of 127.0.0.1 that was free a moment ago (bound, read and released).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        guard fd >= 0, bind(fd, port: 0), let port = localPort(fd) else { throw TestFailure("no free port") }
        return port
    }

    /// Stops forwarding (in both directions) without closing anything.
    func freeze() { flags.with { $0.frozen = true } }

    /// Forwards again.
    func thaw() { flags.with { $0.frozen = false } }

    /// Closes every connection and the listener; returns when the relay's threads ended.
    func stop() {
        flags.with { $0.stopped = true }
        threads.wait()
        close(listener)
    }

    deinit { if !flags.with({ $0.stopped }) { stop() } }

    private var stopped: Bool { flags.with { $0.stopped } }
    private var frozen: Bool { flags.with { $0.frozen } }

    private func acceptLoop() {
        while !stopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard server >= 0, Self.connect(server, port: targetPort) else {
                close(client)
                if server >= 0 { close(server) }
                continue
            }
            let pumps = Locked(2)
            for (from, to) in [(client, server), (server, client)] {
                threads.enter()
                Thread { [self] in
                    pump(from: from, to: to)
                    // The first pump to end shuts both sockets down, so the other ends too; the last closes them.
                    shutdown(from, Int32(SHUT_RDWR))
                    shutdown(to, Int32(SHUT_RDWR))
                    if pumps.with({ count in count -= 1; return count }) == 0 {
                        close(client)
                        close(server)
                    }
                    threads.leave()
                }.start()
            }
        }
    }

    private func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopped {
            if frozen {
                usleep(5_000)
                continue
            }
            var poller = pollfd(fd: from, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { bytes -> Int in
                    guard let base = bytes.baseAddress else { return -1 }
                    return send(to, base + sent, count - sent, Int32(MSG_NOSIGNAL))
                }
                guard written > 0 else { return }
                sent += written
            }
        }
    }

    private static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func bind(_ fd: Int32, port: UInt16) -> Bool {
        var address = address(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func connect(_ fd: Int32, port: UInt16) -> Bool {
        var address = address(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func localPort(_ fd: Int32) -> UInt16? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return result == 0 ? UInt16(bigEndian: address.sin_port) : nil
    }
}

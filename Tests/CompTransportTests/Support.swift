import CompTransport
import Foundation
import Glibc
import Synchronization

/// Runs a blocking body on its own thread (never on Swift's cooperative pool) and hands back its
/// result on `join()`.
final class Background<Value: Sendable>: Sendable {
    private let outcome = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let result = Result { try body() }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the body to finish (at most `seconds`) and returns or rethrows its outcome.
    func join(seconds: Double = 10) throws -> Value {
        guard finished.wait(timeout: .now() + seconds) == .success else { throw TestFailure.hung }
        finished.signal()
        guard let result = outcome.withLock({ $0 }) else { throw TestFailure.hung }
        return try result.get()
    }
}

enum TestFailure: Error {
    case hung
    case noFreePort
}

/// A flag one thread sets and another polls.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// A receive loop on its own thread, as the broker runs one: short timeouts and a stop flag.
final class ServerLoop: Sendable {
    let server: ReplyServer
    private let stop = StopFlag()
    private let loop: Background<Int>

    /// Starts receiving; `handle` gets each request and answers it (now or later).
    init(_ server: ReplyServer, handle: @escaping @Sendable (IncomingRequest, ReplyServer) -> Void) {
        self.server = server
        let stop = self.stop
        loop = Background {
            var count = 0
            while !stop.isSet {
                guard let request = try server.receive(timeoutMilliseconds: 20) else { continue }
                count += 1
                handle(request, server)
            }
            return count
        }
    }

    /// Stops the loop, closes the server and returns how many requests it received.
    @discardableResult
    func finish() throws -> Int {
        stop.set()
        let count = try loop.join()
        server.close()
        return count
    }
}

/// An echo handler: replies at once with `prefix` + the request.
func echo(prefix: String = "reply:") -> @Sendable (IncomingRequest, ReplyServer) -> Void {
    { request, server in try? server.reply(to: request.route, body: Array(prefix.utf8) + request.body) }
}

/// Binds a server to a random loopback TCP port (nanomsg cannot report a port chosen by the
/// system), trying again while the port is taken.
func bindRandomTCP(_ server: ReplyServer) throws -> String {
    for _ in 0..<50 {
        let address = TransportAddress.loopbackTCP(port: Int.random(in: 20000...60000))
        do throws(TransportError) {
            try server.bind(address)
            return address
        } catch {
            guard error.kind == .addressInUse else { throw error }
        }
    }
    throw TestFailure.noFreePort
}

/// The bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Polls `condition` every 5 ms until it holds or `seconds` pass; returns whether it held.
func waitUntil(seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

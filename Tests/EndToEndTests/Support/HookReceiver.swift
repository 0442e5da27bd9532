import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP receiver of notifications on 127.0.0.1, served by Hummingbird in the test process: it
/// records every request (path, headers, body) and answers as it is told (200, another status, after a
/// delay). It can be stopped (connections are then refused) and started again on the same port.
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
        /// Requests held by `.hold`, resumed when the answer changes.
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let server = Mutex<Task<Void, any Error>?>(nil)
    private let boundPort = Mutex(0)

    /// The port it listens on (fixed by the first `start()`).
    var port: Int { boundPort.withLock { $0 } }

    /// The URL of a hook on this receiver (`http://127.0.0.1:PORT/PATH`).
    func url(_ path: String = "hook") -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Every request received so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    /// The requests answered with a 2xx, in arrival order.
    var accepted: [Received] { state.withLock { $0.accepted } }

    /// Sets how later requests (and the ones held now) are answered.
    func answer(_ answer: Answer) {
        let held = state.withLock { state in
            state.answer = answer
            defer { state.held = [] }
            return state.held
        }
        for request in held { request.resume() }
    }

    /// Starts serving: on a free port the first time, on the same port after a `stop()`.
    func start() async throws {
        let port = self.port
        let running = AsyncStream<Int>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            try await respond(to: request)
        }
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in
                running.continuation.yield(channel.localAddress?.port ?? 0)
                running.continuation.finish()
            },
            logger: {
                var logger = Logger(label: "hook-receiver")
                logger.logLevel = .critical
                return logger
            }())
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        server.withLock { $0 = task }
        var bound: Int?
        for await value in running.stream { bound = value }
        guard let bound, bound > 0 else {
            task.cancel()
            _ = try? await task.value
            throw TestFailure("the hook receiver did not start on port \(port)")
        }
        boundPort.withLock { $0 = bound }
    }

    /// Stops serving and waits until the port no longer accepts connections.
    func stop() async {
        guard let task = server.withLock({ server in defer { server = nil }; return server }) else { return }
        task.cancel()
        _ = try? await task.value
    }

    /// Records the request and answers it.
    private func respond(to request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let received = Received(
            method: request.method.rawValue, path: request.uri.path, headers: headers,
            body: Array(body.readableBytesView))
        var answer = state.withLock { state in
            state.received.append(received)
            return state.answer
        }
        if case .hold = answer {
            await withCheckedContinuation { continuation in
                let stillHeld = state.withLock { state in
                    guard case .hold = state.answer else { return false }
                    state.held.append(continuation)
                    return true
                }
                if !stillHeld { continuation.resume() }
            }
            answer = state.withLock { $0.answer }
        }
        switch answer {
        case .ok:
            state.withLock { $0.accepted.append(received) }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        case .status(let code):
            if (200..<300).contains(code) { state.withLock { $0.accepted.append(received) } }
            return Response(status: HTTPResponse.Status(code: code),
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "told to answer \(code)")))
        case .hold:  // stopped while held
            return Response(status: .serviceUnavailable)
        case .slow(let delay):
            try await Task.sleep(for: delay)
            state.withLock { $0.accepted.append(received) }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
    }

    deinit {
        server.withLock { $0?.cancel() }
        for request in state.withLock({ $0.held }) { request.resume() }
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

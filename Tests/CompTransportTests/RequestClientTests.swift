import CompTransport
import Foundation
import Synchronization
import Testing

struct RequestClientTests {
    @Test("a receive with nothing queued returns nil once its timeout passes")
    func receiveTimeout() throws {
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(TransportAddress.temporaryIPC(prefix: "rc-idle"))
        defer { server.close() }
        let waiting = Background { try server.receive(timeoutMilliseconds: 100) }
        #expect(try waiting.join(seconds: 30) == nil)
    }

    @Test("a request with no answer throws a timeout error")
    func requestTimeout() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rc-none")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        let client = try RequestClient(connectingTo: address)
        let error = #expect(throws: TransportError.self) {
            try client.request(bytes("anyone?"), timeoutMilliseconds: 100)
        }
        #expect(error?.isTimeout == true)
        #expect(error?.kind == .timedOut)
        #expect(error?.address == address)
    }

    @Test("after a timeout the next request gets its own reply, not the late one")
    func lateReplyIsNotTakenForTheNext() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rc-late")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        let client = try RequestClient(connectingTo: address)
        // "first" is taken by the server and not answered until its request has timed out.
        let firstCall = Background { try client.request(bytes("first"), timeoutMilliseconds: 300) }
        let first = try #require(try server.receive(timeoutMilliseconds: 30_000))
        #expect(first.body == bytes("first"))
        let error = #expect(throws: TransportError.self) { try firstCall.join(seconds: 30) }
        #expect(error?.isTimeout == true)
        // "second" is taken; the late answer to "first" goes out before the answer to "second".
        let secondCall = Background { try client.request(bytes("second"), timeoutMilliseconds: 30_000) }
        let second = try #require(try server.receive(timeoutMilliseconds: 30_000))
        #expect(second.body == bytes("second"))
        try server.reply(to: first.route, body: bytes("reply:first"))
        try server.reply(to: second.route, body: bytes("reply:second"))
        #expect(try secondCall.join(seconds: 30) == bytes("reply:second"))
    }

    @Test("a frame above the server's limit is dropped and the server keeps serving")
    func oversizedFrame() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rc-big")
        let server = try ReplyServer(receiveMaxSize: 1024)
        #expect(server.receiveMaxSize == 1024)
        try server.bind(address)
        let largest = Mutex(0)
        let loop = ServerLoop(server) { request, server in
            largest.withLock { $0 = max($0, request.body.count) }
            try? server.reply(to: request.route, body: bytes("ok"))
        }
        defer { _ = try? loop.finish() }
        let big = try RequestClient(connectingTo: address)
        let error = #expect(throws: TransportError.self) {
            try big.request([UInt8](repeating: 7, count: 4096), timeoutMilliseconds: 300)
        }
        #expect(error?.isTimeout == true)

        let small = try RequestClient(connectingTo: address)
        #expect(try small.request(bytes("small"), timeoutMilliseconds: 2000) == bytes("ok"))
        // The oversized sender was disconnected; it reconnects and a fitting request gets through.
        #expect(try big.request(bytes("fits"), timeoutMilliseconds: 3000) == bytes("ok"))
        #expect(largest.withLock { $0 } < 1024)
    }

    @Test("concurrent requests on one client are serialized and each gets its own reply")
    func concurrentCallersSerialize() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rc-share")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        let loop = ServerLoop(server, handle: echo())
        defer { _ = try? loop.finish() }
        let client = try RequestClient(connectingTo: address)
        let callers = (0..<4).map { caller in
            Background {
                try (0..<25).allSatisfy { index in
                    let body = bytes("\(caller)-\(index)")
                    return try client.request(body, timeoutMilliseconds: 3000) == bytes("reply:") + body
                }
            }
        }
        for caller in callers {
            #expect(try caller.join() == true)
        }
    }

    @Test("2000 sequential requests all succeed")
    func manySequentialRequests() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rc-many")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        let loop = ServerLoop(server, handle: echo(prefix: ""))
        let client = try RequestClient(connectingTo: address)
        var failures = 0
        for index in 0..<2000 {
            let body = withUnsafeBytes(of: UInt32(index).bigEndian) { Array($0) }
            if (try? client.request(body, timeoutMilliseconds: 2000)) != body { failures += 1 }
        }
        client.close()
        #expect(failures == 0)
        #expect(try loop.finish() == 2000)
    }

    @Test("opening and closing 600 clients never runs out of sockets")
    func socketsAreReleased() throws {
        // nanomsg allows 512 sockets per process: a leaked socket per client would fail here.
        let address = TransportAddress.temporaryIPC(prefix: "rc-churn")
        for _ in 0..<600 {
            let client = try RequestClient(connectingTo: address)
            client.close()
        }
        for _ in 0..<600 {
            _ = try RequestClient(connectingTo: address)
        }
    }
}

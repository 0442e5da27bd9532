import CompTransport
import Foundation
import Synchronization
import Testing

/// The frame limit given to a socket is the limit of our frame, exactly: nanomsg's own request-id
/// header does not eat into it. One byte more is dropped by nanomsg (the sender's connection is
/// cut and its request times out), in both directions.
struct FrameLimitTests {
    static let limit = 1024

    @Test("a request of exactly the server's limit arrives whole; one byte more is dropped",
          arguments: ["ipc", "tcp"])
    func requestAtTheLimit(transport: String) throws {
        let server = try ReplyServer(receiveMaxSize: Self.limit)
        let address: String
        if transport == "ipc" {
            address = TransportAddress.temporaryIPC(prefix: "fl-req")
            try server.bind(address)
        } else {
            address = try bindRandomTCP(server)
        }
        let sizes = Mutex<[Int]>([])
        let loop = ServerLoop(server) { request, server in
            sizes.withLock { $0.append(request.body.count) }
            try? server.reply(to: request.route, body: bytes("ok"))
        }
        defer { _ = try? loop.finish() }
        let client = try RequestClient(connectingTo: address)

        let exact = [UInt8](repeating: 0xA5, count: Self.limit)
        #expect(try client.request(exact, timeoutMilliseconds: 10_000) == bytes("ok"))

        let over = [UInt8](repeating: 0x5A, count: Self.limit + 1)
        let error = #expect(throws: TransportError.self) {
            try client.request(over, timeoutMilliseconds: 500)
        }
        #expect(error?.isTimeout == true)

        // The client reconnects; a request at the limit passes again, and the server never saw
        // the oversized one.
        #expect(try client.request(exact, timeoutMilliseconds: 10_000) == bytes("ok"))
        #expect(sizes.withLock { $0 } == [Self.limit, Self.limit])
    }

    @Test("a reply of exactly the client's limit arrives whole; one byte more is dropped",
          arguments: ["ipc", "tcp"])
    func replyAtTheLimit(transport: String) throws {
        let server = try ReplyServer(receiveMaxSize: Self.limit)
        let address: String
        if transport == "ipc" {
            address = TransportAddress.temporaryIPC(prefix: "fl-rep")
            try server.bind(address)
        } else {
            address = try bindRandomTCP(server)
        }
        // The request names the size of the reply it wants.
        let loop = ServerLoop(server) { request, server in
            let size = Int(String(decoding: request.body, as: UTF8.self)) ?? 0
            try? server.reply(to: request.route, body: [UInt8](repeating: 0x3C, count: size))
        }
        defer { _ = try? loop.finish() }
        let client = try RequestClient(connectingTo: address, receiveMaxSize: Self.limit)

        let exact = try client.request(bytes("\(Self.limit)"), timeoutMilliseconds: 10_000)
        #expect(exact.count == Self.limit)

        let error = #expect(throws: TransportError.self) {
            try client.request(bytes("\(Self.limit + 1)"), timeoutMilliseconds: 500)
        }
        #expect(error?.isTimeout == true)

        let again = try client.request(bytes("\(Self.limit)"), timeoutMilliseconds: 10_000)
        #expect(again.count == Self.limit)
    }

    @Test("the header allowance is nanomsg's 4-byte request id of one direct hop")
    func headerAllowance() {
        #expect(NanoSocket.requestHeaderBytes == 4)
    }
}

/// A request that timed out is retried on a fresh socket.
struct FreshSocketTests {
    @Test("a timeout puts a fresh socket in place, and the retry reaches a server that came back")
    func retryAfterServerRestart() throws {
        let address = TransportAddress.temporaryIPC(prefix: "fs-restart")
        let first = try ReplyServer(receiveMaxSize: 1024)
        try first.bind(address)
        let client = try RequestClient(connectingTo: address)
        // The first server takes the request and dies without answering.
        let pending = Background { try client.request(bytes("lost"), timeoutMilliseconds: 1000) }
        let taken = try #require(try first.receive(timeoutMilliseconds: 10_000))
        #expect(taken.body == bytes("lost"))
        first.close()
        let error = #expect(throws: TransportError.self) { try pending.join(seconds: 30) }
        #expect(error?.isTimeout == true)
        #expect(client.reopenCount == 1)

        let second = try ReplyServer(receiveMaxSize: 1024)
        try second.bind(address)
        let loop = ServerLoop(second, handle: echo())
        defer { _ = try? loop.finish() }
        #expect(try client.request(bytes("again"), timeoutMilliseconds: 10_000) == bytes("reply:again"))
    }

    @Test("a closed client is never reopened")
    func closedStaysClosed() throws {
        let client = try RequestClient(connectingTo: TransportAddress.temporaryIPC(prefix: "fs-closed"))
        client.close()
        let error = #expect(throws: TransportError.self) { try client.request(bytes("x"), timeoutMilliseconds: 100) }
        #expect(error?.isClosed == true)
        #expect(client.reopenCount == 0)
    }
}

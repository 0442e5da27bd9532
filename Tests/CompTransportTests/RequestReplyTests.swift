@testable import CompTransport
import Foundation
import Synchronization
import Testing

struct ReplyServerTests {
    @Test("a request over ipc gets its reply")
    func roundTripOverIPC() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-ipc")
        let server = try ReplyServer(receiveMaxSize: 1 << 20)
        try server.bind(address)
        let loop = ServerLoop(server, handle: echo())
        defer { _ = try? loop.finish() }
        let client = try RequestClient(connectingTo: address)
        #expect(try client.request(bytes("ping"), timeoutMilliseconds: 2000) == bytes("reply:ping"))
        #expect(try client.request([], timeoutMilliseconds: 2000) == bytes("reply:"))
    }

    @Test("a request over tcp loopback gets its reply")
    func roundTripOverTCP() throws {
        let server = try ReplyServer(receiveMaxSize: 1 << 20)
        let address = try bindRandomTCP(server)
        let loop = ServerLoop(server, handle: echo())
        defer { _ = try? loop.finish() }
        let client = try RequestClient(connectingTo: address)
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try client.request(payload, timeoutMilliseconds: 2000) == bytes("reply:") + payload)
    }

    @Test("one server listens on an ipc and a tcp address at once")
    func severalAddresses() throws {
        let ipc = TransportAddress.temporaryIPC(prefix: "rr-two")
        let server = try ReplyServer(receiveMaxSize: 1 << 20)
        try server.bind(ipc)
        let tcp = try bindRandomTCP(server)
        #expect(server.addresses == [ipc, tcp])
        let loop = ServerLoop(server, handle: echo())
        defer { _ = try? loop.finish() }
        for address in [ipc, tcp] {
            let client = try RequestClient(connectingTo: address)
            #expect(try client.request(bytes(address), timeoutMilliseconds: 2000) == bytes("reply:" + address))
        }
    }

    @Test("the route holds the pipe id and the request id with its top bit set")
    func routeLayout() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-route")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        let client = try RequestClient(connectingTo: address)
        let pending = Background { try client.request(bytes("x"), timeoutMilliseconds: 2000) }
        let request = try #require(try server.receive(timeoutMilliseconds: 2000))
        #expect(request.body == bytes("x"))
        #expect(request.route.header.count == 8)
        #expect(request.route.header[4] & 0x80 == 0x80)
        try server.reply(to: request.route, body: bytes("y"))
        #expect(try pending.join() == bytes("y"))
    }

    @Test("replies sent in reverse order of arrival reach the client that asked")
    func outOfOrderReplies() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-order")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        let first = try RequestClient(connectingTo: address)
        let second = try RequestClient(connectingTo: address)
        let firstReply = Background { try first.request(bytes("first"), timeoutMilliseconds: 3000) }
        let one = try #require(try server.receive(timeoutMilliseconds: 2000))
        let secondReply = Background { try second.request(bytes("second"), timeoutMilliseconds: 3000) }
        let two = try #require(try server.receive(timeoutMilliseconds: 2000))
        #expect(one.body == bytes("first"))
        #expect(two.body == bytes("second"))
        #expect(one.route != two.route)
        try server.reply(to: two.route, body: bytes("for second"))
        #expect(try secondReply.join() == bytes("for second"))
        try server.reply(to: one.route, body: bytes("for first"))
        #expect(try firstReply.join() == bytes("for first"))
    }

    @Test("a reply sent from another thread than the receiver reaches its client")
    func replyFromAnotherThread() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-thread")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        let client = try RequestClient(connectingTo: address)
        let pending = Background { try client.request(bytes("hello"), timeoutMilliseconds: 3000) }
        let request = try #require(try server.receive(timeoutMilliseconds: 2000))
        let replier = Background { try server.reply(to: request.route, body: bytes("from elsewhere")) }
        try replier.join()
        #expect(try pending.join() == bytes("from elsewhere"))
    }

    @Test("a held request does not hold up another client's answer")
    func heldRequest() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-held")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        let held = Mutex<ReplyRoute?>(nil)
        let loop = ServerLoop(server) { request, server in
            if request.body == bytes("hold") {
                held.withLock { $0 = request.route }
            } else {
                try? server.reply(to: request.route, body: bytes("now"))
            }
        }
        defer { _ = try? loop.finish() }
        let holder = try RequestClient(connectingTo: address)
        let other = try RequestClient(connectingTo: address)
        let holderDone = StopFlag()
        let holderCall = Background {
            defer { holderDone.set() }
            return try holder.request(bytes("hold"), timeoutMilliseconds: 60_000)
        }
        #expect(waitUntil { held.withLock { $0 } != nil })
        // While "hold" waits unanswered, another client is answered.
        #expect(try other.request(bytes("quick"), timeoutMilliseconds: 30_000) == bytes("now"))
        #expect(!holderDone.isSet)
        let route = try #require(held.withLock { $0 })
        try server.reply(to: route, body: bytes("later"))
        #expect(try holderCall.join(seconds: 30) == bytes("later"))
    }

    @Test("a reply to a client that went away is dropped and the server keeps serving")
    func replyToDisconnectedPeer() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-gone")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        let leaver = try RequestClient(connectingTo: address)
        let abandoned = Background { try leaver.request(bytes("bye"), timeoutMilliseconds: 100) }
        let request = try #require(try server.receive(timeoutMilliseconds: 2000))
        #expect(throws: TransportError.self) { try abandoned.join() }
        leaver.close()
        try server.reply(to: request.route, body: bytes("too late"))

        let stayer = try RequestClient(connectingTo: address)
        let pending = Background { try stayer.request(bytes("hi"), timeoutMilliseconds: 2000) }
        let next = try #require(try server.receive(timeoutMilliseconds: 2000))
        try server.reply(to: next.route, body: bytes("hello"))
        #expect(try pending.join() == bytes("hello"))
    }

    @Test("the receive descriptor polls readable once a request is waiting")
    func receiveDescriptor() throws {
        let address = TransportAddress.temporaryIPC(prefix: "rr-fd")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        defer { server.close() }
        var descriptor = pollfd(fd: try server.receiveFileDescriptor(), events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 0) == 0)
        let client = try RequestClient(connectingTo: address)
        let pending = Background { try client.request(bytes("poll"), timeoutMilliseconds: 2000) }
        #expect(poll(&descriptor, 1, 2000) == 1)
        let request = try #require(try server.receive(timeoutMilliseconds: 0))
        try server.reply(to: request.route, body: bytes("polled"))
        #expect(try pending.join() == bytes("polled"))
    }
}

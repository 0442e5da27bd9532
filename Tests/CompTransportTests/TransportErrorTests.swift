import CompTransport
import Foundation
import Glibc
import Testing

struct TransportErrorTests {
    @Test("binding a garbage address throws EINVAL with the errno text and the address")
    func garbageAddress() throws {
        let server = try ReplyServer(receiveMaxSize: 1024)
        defer { server.close() }
        let error = #expect(throws: TransportError.self) { try server.bind("garbage") }
        #expect(error?.code == EINVAL)
        #expect(error?.operation == "bind")
        #expect(error?.address == "garbage")
        #expect(error?.message == String(cString: strerror(EINVAL)))
        #expect(error?.description == "bind garbage failed: \(String(cString: strerror(EINVAL))) (errno \(EINVAL)); expected tcp://HOST:PORT or ipc:///path; got `garbage`")
    }

    @Test("an unknown transport and a malformed tcp address are refused")
    func badAddresses() throws {
        let server = try ReplyServer(receiveMaxSize: 1024)
        defer { server.close() }
        let unknown = #expect(throws: TransportError.self) { try server.bind("carrier-pigeon://roof") }
        #expect(unknown?.code == EPROTONOSUPPORT)
        let noPort = #expect(throws: TransportError.self) { try server.bind("tcp://127.0.0.1") }
        #expect(noPort?.code == EINVAL)
        #expect(throws: TransportError.self) { try RequestClient(connectingTo: "tcp://:") }
        #expect(throws: TransportError.self) { try EventPublisher(bindingTo: "ipc://") }
    }

    @Test("an ipc path too long for a unix socket is refused instead of aborting")
    func longIPCPath() throws {
        let address = "ipc:///tmp/" + String(repeating: "x", count: 110)
        let server = try ReplyServer(receiveMaxSize: 1024)
        defer { server.close() }
        let bind = #expect(throws: TransportError.self) { try server.bind(address) }
        #expect(bind?.code == ENAMETOOLONG)
        let connect = #expect(throws: TransportError.self) { try RequestClient(connectingTo: address) }
        #expect(connect?.code == ENAMETOOLONG)
    }

    @Test("binding an address another socket holds reports addressInUse")
    func addressInUse() throws {
        let first = try ReplyServer(receiveMaxSize: 1024)
        defer { first.close() }
        let address = try bindRandomTCP(first)
        let second = try ReplyServer(receiveMaxSize: 1024)
        defer { second.close() }
        let error = #expect(throws: TransportError.self) { try second.bind(address) }
        #expect(error?.kind == .addressInUse)
    }

    @Test("calls after close throw a closed error")
    func closed() throws {
        let address = TransportAddress.temporaryIPC(prefix: "err-closed")
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        let client = try RequestClient(connectingTo: address)
        let publisher = try EventPublisher(bindingTo: TransportAddress.temporaryIPC(prefix: "err-pub"))
        let subscriber = try EventSubscriber(connectingTo: address)
        server.close()
        server.close()
        client.close()
        publisher.close()
        subscriber.close()
        let receive = #expect(throws: TransportError.self) { try server.receive(timeoutMilliseconds: 10) }
        #expect(receive?.isClosed == true)
        #expect(receive?.address == address)
        #expect((#expect(throws: TransportError.self) { try server.bind(address) })?.isClosed == true)
        #expect((#expect(throws: TransportError.self) {
            try client.request([1], timeoutMilliseconds: 10)
        })?.isClosed == true)
        #expect((#expect(throws: TransportError.self) { try publisher.publish([1]) })?.isClosed == true)
        #expect((#expect(throws: TransportError.self) {
            try subscriber.receive(timeoutMilliseconds: 10)
        })?.isClosed == true)
    }

    @Test("close racing a receive either waits for it (nil) or comes first (closed), and then stops the server")
    func closeDuringReceive() throws {
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(TransportAddress.temporaryIPC(prefix: "err-race"))
        let receiver = Background { try server.receive(timeoutMilliseconds: 200) }
        server.close()
        do {
            #expect(try receiver.join(seconds: 30) == nil)
        } catch let error as TransportError {
            #expect(error.isClosed)
        }
        #expect(throws: TransportError.self) { try server.receive(timeoutMilliseconds: 10) }
    }

    @Test("temporary ipc addresses are distinct and the file goes away on close")
    func temporaryAddresses() throws {
        let addresses = (0..<100).map { _ in TransportAddress.temporaryIPC(prefix: "addr") }
        #expect(Set(addresses).count == 100)
        let address = try #require(addresses.first)
        let path = try #require(TransportAddress.ipcPath(of: address))
        #expect(address.hasPrefix("ipc:///tmp/addr-\(getpid())-"))
        let server = try ReplyServer(receiveMaxSize: 1024)
        try server.bind(address)
        #expect(access(path, F_OK) == 0)
        server.close()
        #expect(access(path, F_OK) != 0)
        #expect(TransportAddress.ipcPath(of: "tcp://127.0.0.1:1") == nil)
    }
}

/// The open-file limit a listening server needs.
struct OpenFileLimitTests {
    @Test("a reply server raises the open-file soft limit to the hard limit")
    func serverRaisesTheLimit() throws {
        let before = OpenFileLimit.current
        #expect(before.hard > 0)
        let server = try ReplyServer(receiveMaxSize: 1024)
        defer { server.close() }
        #expect(OpenFileLimit.current.soft == OpenFileLimit.current.hard)
        #expect(OpenFileLimit.current.soft >= before.soft)
    }
}

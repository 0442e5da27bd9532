import CompTransport
import Foundation
import Testing

struct EventTests {
    @Test("a subscriber receives what the publisher sends, in order")
    func publishAndSubscribe() throws {
        let address = TransportAddress.temporaryIPC(prefix: "ev-feed")
        let publisher = try EventPublisher(bindingTo: address)
        defer { publisher.close() }
        let subscriber = try EventSubscriber(connectingTo: address)
        defer { subscriber.close() }
        // The connection comes up in the background; events before that are lost by design.
        #expect(try connected(publisher, subscriber, probe: bytes("hello")))
        for index in 0..<10 { try publisher.publish(bytes("event-\(index)")) }
        // Probes still in flight may come first; after them, the events arrive in order.
        var next = try subscriber.receive(timeoutMilliseconds: 30_000)
        while next == bytes("hello") { next = try subscriber.receive(timeoutMilliseconds: 30_000) }
        #expect(next == bytes("event-0"))
        for index in 1..<10 {
            #expect(try subscriber.receive(timeoutMilliseconds: 30_000) == bytes("event-\(index)"))
        }
    }

    @Test("a subscriber with a prefix receives only matching events")
    func prefixFilter() throws {
        let address = TransportAddress.temporaryIPC(prefix: "ev-prefix")
        let publisher = try EventPublisher(bindingTo: address)
        defer { publisher.close() }
        let subscriber = try EventSubscriber(connectingTo: address, prefix: bytes("keep"))
        defer { subscriber.close() }
        var first: [UInt8]?
        let deadline = Date().addingTimeInterval(30)
        while first == nil && Date() < deadline {
            try publisher.publish(bytes("drop-me"))
            try publisher.publish(bytes("keep-me"))
            first = try subscriber.receive(timeoutMilliseconds: 20)
        }
        #expect(first == bytes("keep-me"))
    }

    @Test("publishing with no subscriber neither blocks nor throws")
    func publishWithoutSubscriber() throws {
        let publisher = try EventPublisher(bindingTo: TransportAddress.temporaryIPC(prefix: "ev-alone"))
        defer { publisher.close() }
        // A publish that blocked would hang this past the generous deadline.
        let publishing = Background {
            for _ in 0..<1000 { try publisher.publish([UInt8](repeating: 1, count: 512)) }
            return true
        }
        #expect(try publishing.join(seconds: 60) == true)
    }
}

/// Publishes `probe` until the subscriber receives one (the connection is up), for at most 30 s.
func connected(_ publisher: EventPublisher, _ subscriber: EventSubscriber, probe: [UInt8]) throws -> Bool {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        try publisher.publish(probe)
        if try subscriber.receive(timeoutMilliseconds: 20) == probe { return true }
    }
    return false
}

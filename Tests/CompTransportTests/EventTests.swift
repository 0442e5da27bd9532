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
        var first: [UInt8]?
        for _ in 0..<100 where first == nil {
            try publisher.publish(bytes("hello"))
            first = try subscriber.receive(timeoutMilliseconds: 20)
        }
        #expect(first == bytes("hello"))
        while try subscriber.receive(timeoutMilliseconds: 50) != nil {}
        for index in 0..<10 { try publisher.publish(bytes("event-\(index)")) }
        for index in 0..<10 {
            #expect(try subscriber.receive(timeoutMilliseconds: 1000) == bytes("event-\(index)"))
        }
        #expect(try subscriber.receive(timeoutMilliseconds: 20) == nil)
    }

    @Test("a subscriber with a prefix receives only matching events")
    func prefixFilter() throws {
        let address = TransportAddress.temporaryIPC(prefix: "ev-prefix")
        let publisher = try EventPublisher(bindingTo: address)
        defer { publisher.close() }
        let subscriber = try EventSubscriber(connectingTo: address, prefix: bytes("keep"))
        defer { subscriber.close() }
        var first: [UInt8]?
        for _ in 0..<100 where first == nil {
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
        let (_, elapsed) = try measure {
            for _ in 0..<1000 { try publisher.publish([UInt8](repeating: 1, count: 512)) }
        }
        #expect(elapsed < 1000)
    }
}

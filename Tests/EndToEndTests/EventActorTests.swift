import CompClient
import CompWire
import Foundation
import Testing

/// The Event published on the PUB socket names who acted (tag 1 actor) on the rows of operator
/// actions, and carries no actor on the other rows.
@Suite(.serialized)
struct EventActorTests {
    @Test("an operator's discard publishes an Event with its actor; the failure's Event has none")
    func actorOnEvents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(directory: directory, arguments: [], environment: [:])
        defer { broker.stop() }
        let stream = try EventStream(address: broker.events)
        let reporter = try broker.reporter()
        // PUB drops what it sends before the subscription is through: report until an Event arrives.
        var failure: Event?
        var id: Int64 = 0
        var attempt = 0
        let subscribed = try eventually(30) {
            attempt += 1
            id = try #require(try reporter.send([failureRecord(eventId: "actor-\(attempt)")]).first).executionId
            failure = try stream.next(timeoutMilliseconds: 200)
            return failure != nil
        }
        #expect(subscribed)
        #expect(failure?.kind == "failure")
        #expect(failure?.actor == nil)

        let admin = try broker.admin()
        #expect(try admin.act(.discard, on: .execution(id), actor: "compctl:alice").changed == 1)
        var discard: Event?
        _ = try eventually(30) {
            if let event = try stream.next(timeoutMilliseconds: 200), event.kind == "discard" { discard = event }
            return discard != nil
        }
        let event = try #require(discard)
        #expect(event.executionId == id)
        #expect(event.actor == "compctl:alice")
        #expect(event.status == 5)
    }
}

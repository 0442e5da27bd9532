import CompBroker
import CompWire
import Testing

/// The in-process broadcaster behind the HTTP feed: order, bounded queues, resync, close, cancellation.
struct EventTapTests {
    private func event(_ seq: Int64) -> TapEvent {
        .execution(Event(seq: seq, at: 0, executionId: seq, kind: "failure", status: 1, parkReason: 0, retries: 0,
                         service: "orders", processor: "billing", function: "charge", eventId: "e\(seq)",
                         correlationId: "", errorCode: "DB_DOWN", errorMessage: ""))
    }

    @Test("every listener gets every event published after it started listening, in order")
    func order() async {
        let tap = EventTap(capacity: 16)
        tap.publish(event(0))  // nobody listens yet: dropped
        let first = tap.listen()
        let second = tap.listen()
        for seq in 1...5 { tap.publish(event(Int64(seq))) }
        for listener in [first, second] {
            var got: [TapItem] = []
            for _ in 1...5 { if let item = await listener.next() { got.append(item) } }
            #expect(got == (1...5).map { .event(event(Int64($0))) })
        }
    }

    @Test("a listener that falls more than the capacity behind loses its queue, reads resync, then new events")
    func overflowResyncs() async {
        let tap = EventTap(capacity: 4)
        let slow = tap.listen()
        let fast = tap.listen()
        for seq in 1...10 {
            tap.publish(event(Int64(seq)))
            #expect(await fast.next() == .event(event(Int64(seq))))
        }
        #expect(await slow.next() == .resync)
        #expect(slow.ready(max: 10).isEmpty)
        tap.publish(event(11))
        #expect(await slow.next() == .event(event(11)))
    }

    @Test("close ends every listener after what it holds; dropping a listener stops the publishing for it")
    func closeAndDrop() async {
        let lonely = EventTap(capacity: 8)
        var dropped: TapListener? = lonely.listen()
        #expect(lonely.hasListeners && dropped != nil)
        dropped = nil
        #expect(!lonely.hasListeners)

        let tap = EventTap(capacity: 8)
        let kept = tap.listen()
        tap.publish(event(1))
        tap.close()
        #expect(await kept.next() == .event(event(1)))
        #expect(await kept.next() == nil)
        #expect(await tap.listen().next() == nil)
    }

    @Test("a waiting next() returns nil when its task is cancelled, and an event published later is not lost for others")
    func cancellation() async {
        let tap = EventTap(capacity: 8)
        let waiting = tap.listen()
        let other = tap.listen()
        // Nothing is published: whether it is cancelled before or while it waits, only the cancellation ends it.
        let task = Task { await waiting.next() }
        task.cancel()
        #expect(await task.value == nil)
        tap.publish(event(1))
        #expect(await other.next() == .event(event(1)))
    }
}

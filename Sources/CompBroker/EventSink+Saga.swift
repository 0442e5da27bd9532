import CompTransport
import CompWire

extension EventSink {
    /// Publishes a saga's status change as a SagaEvent on the PUB socket; never blocks. (The HTTP feed's tap
    /// carries execution and service events only.)
    func publishSaga(_ event: SagaEvent) {
        guard let publisher else { return }
        try? publisher.publish(FrameCodec.encode(Frame(requestId: 0, message: .sagaEvent(event))))
    }
}

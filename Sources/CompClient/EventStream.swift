import CompModel
import CompTransport
import CompWire

/// The broker's state-change events (best effort: a slow or late watcher misses some).
public final class EventStream: Sendable {
    private let subscriber: EventSubscriber

    /// Connects to the broker's event address.
    public init(address: String) throws(ClientError) {
        do {
            subscriber = try EventSubscriber(connectingTo: address)
        } catch {
            throw .transport("\(error)")
        }
    }

    /// The next event, or nil when none arrived within the timeout. Undecodable frames are skipped.
    public func next(timeoutMilliseconds: Int) throws(ClientError) -> Event? {
        let deadline = Deadline(inMilliseconds: Int64(timeoutMilliseconds))
        while true {
            let left = deadline.remainingMilliseconds
            if left <= 0 { return nil }
            let bytes: [UInt8]?
            do {
                bytes = try subscriber.receive(timeoutMilliseconds: Int(left))
            } catch {
                if error.isTimeout { return nil }
                throw .transport("\(error)")
            }
            guard let bytes else { return nil }
            if let frame = try? FrameCodec.decode(bytes), case .event(let event) = frame.message {
                return event
            }
        }
    }
}

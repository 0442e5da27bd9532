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

    /// One thing the broker published.
    public enum Item: Sendable, Equatable {
        /// A change of one execution.
        case execution(Event)
        /// A service paused or resumed.
        case service(ServiceEvent)
    }

    /// The next execution event, or nil when none arrived within the timeout. Undecodable frames and
    /// service events are skipped.
    public func next(timeoutMilliseconds: Int) throws(ClientError) -> Event? {
        let deadline = Deadline(inMilliseconds: Int64(timeoutMilliseconds))
        while true {
            let left = deadline.remainingMilliseconds
            if left <= 0 { return nil }
            guard let item = try nextItem(timeoutMilliseconds: Int(left)) else { return nil }
            if case .execution(let event) = item { return event }
        }
    }

    /// The next execution or service event, or nil when none arrived within the timeout.
    /// Undecodable frames are skipped.
    public func nextItem(timeoutMilliseconds: Int) throws(ClientError) -> Item? {
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
            switch (try? FrameCodec.decode(bytes))?.message {
            case .event(let event)?: return .execution(event)
            case .serviceEvent(let event)?: return .service(event)
            default: continue
            }
        }
    }
}

/// Names a handler: the service it belongs to, its processor and its function (the broker's execution
/// key without the event).
public struct HandlerKey: Hashable, Sendable, CustomStringConvertible {
    /// The service; its running `CompensationService` fetches the retries of its handlers.
    public var service: String
    /// The processor (the component that holds the handler).
    public var processor: String
    /// The handler function.
    public var function: String

    /// Creates a key.
    ///
    /// - Parameters:
    ///   - service: The service.
    ///   - processor: The processor.
    ///   - function: The function.
    public init(service: String, processor: String, function: String) {
        self.service = service
        self.processor = processor
        self.function = function
    }

    /// `service/processor/function`.
    public var description: String { "\(service)/\(processor)/\(function)" }
}

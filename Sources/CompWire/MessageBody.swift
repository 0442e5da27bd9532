/// Chooses the body codec for each message type.
extension Message {
    /// Appends the body (everything after the frame header).
    func encodeBody(to sink: inout some ByteSink) {
        switch self {
        case .hello(let body): body.encode(to: &sink)
        case .helloReply(let body): body.encode(to: &sink)
        case .heartbeat(let body): body.encode(to: &sink)
        case .heartbeatReply(let body): body.encode(to: &sink)
        case .recordBatch(let body): body.encode(to: &sink)
        case .ack(let body): body.encode(to: &sink)
        case .fetch(let body): body.encode(to: &sink)
        case .commands(let body): body.encode(to: &sink)
        case .extendLease(let body): body.encode(to: &sink)
        case .leaseReply(let body): body.encode(to: &sink)
        case .listRequest(let body): body.encode(to: &sink)
        case .listReply(let body): body.encode(to: &sink)
        case .showRequest(let body): body.encode(to: &sink)
        case .showReply(let body): body.encode(to: &sink)
        case .actionRequest(let body): body.encode(to: &sink)
        case .actionReply(let body): body.encode(to: &sink)
        case .statsRequest(let body): body.encode(to: &sink)
        case .statsReply(let body): body.encode(to: &sink)
        case .timelineRequest(let body): body.encode(to: &sink)
        case .timelineReply(let body): body.encode(to: &sink)
        case .notificationsRequest(let body): body.encode(to: &sink)
        case .notificationsReply(let body): body.encode(to: &sink)
        case .event(let body): body.encode(to: &sink)
        case .serviceEvent(let body): body.encode(to: &sink)
        case .declareSaga(let body): body.encode(to: &sink)
        case .sagaDeclared(let body): body.encode(to: &sink)
        case .sagaEvent(let body): body.encode(to: &sink)
        case .error(let body): body.encode(to: &sink)
        }
    }

    /// Reads the body of a message of type `type`; the caller checks that nothing follows it.
    init(type: MessageType, body reader: inout ByteReader) throws(WireError) {
        switch type {
        case .hello: self = .hello(try Hello(wire: &reader))
        case .helloReply: self = .helloReply(try HelloReply(wire: &reader))
        case .heartbeat: self = .heartbeat(try Heartbeat(wire: &reader))
        case .heartbeatReply: self = .heartbeatReply(try HeartbeatReply(wire: &reader))
        case .recordBatch: self = .recordBatch(try RecordBatch(wire: &reader))
        case .ack: self = .ack(try Ack(wire: &reader))
        case .fetch: self = .fetch(try Fetch(wire: &reader))
        case .commands: self = .commands(try Commands(wire: &reader))
        case .extendLease: self = .extendLease(try ExtendLease(wire: &reader))
        case .leaseReply: self = .leaseReply(try LeaseReply(wire: &reader))
        case .listRequest: self = .listRequest(try ListRequest(wire: &reader))
        case .listReply: self = .listReply(try ListReply(wire: &reader))
        case .showRequest: self = .showRequest(try ShowRequest(wire: &reader))
        case .showReply: self = .showReply(try ShowReply(wire: &reader))
        case .actionRequest: self = .actionRequest(try ActionRequest(wire: &reader))
        case .actionReply: self = .actionReply(try ActionReply(wire: &reader))
        case .statsRequest: self = .statsRequest(try StatsRequest(wire: &reader))
        case .statsReply: self = .statsReply(try StatsReply(wire: &reader))
        case .timelineRequest: self = .timelineRequest(try TimelineRequest(wire: &reader))
        case .timelineReply: self = .timelineReply(try TimelineReply(wire: &reader))
        case .notificationsRequest: self = .notificationsRequest(try NotificationsRequest(wire: &reader))
        case .notificationsReply: self = .notificationsReply(try NotificationsReply(wire: &reader))
        case .event: self = .event(try Event(wire: &reader))
        case .serviceEvent: self = .serviceEvent(try ServiceEvent(wire: &reader))
        case .declareSaga: self = .declareSaga(try DeclareSaga(wire: &reader))
        case .sagaDeclared: self = .sagaDeclared(try SagaDeclared(wire: &reader))
        case .sagaEvent: self = .sagaEvent(try SagaEvent(wire: &reader))
        case .error: self = .error(try ErrorReply(wire: &reader))
        }
    }
}

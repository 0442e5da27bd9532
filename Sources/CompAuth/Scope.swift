import CompWire

/// What a key's role and services allow, request by request (PROTOCOL.md section 8.3). ExtendLease is
/// checked where the lease is looked up (the broker's core), since the execution's service is needed.
public enum Scope {
    /// Why `grant` may not make `message`, as the `forbidden` ErrorReply's message (`field: rule`); nil when it may.
    public static func refusal(_ message: Message, grant: KeyGrant) -> String? {
        if grant.role == .operator { return nil }
        switch message {
        case .hello, .heartbeat, .extendLease:
            return nil
        case .recordBatch(let batch):
            for (index, record) in batch.records.enumerated() where !grant.allows(service: record.service) {
                return "records[\(index)].service: key \(grant.keyId) may not report for \(record.service)"
            }
            return nil
        case .fetch(let fetch):
            return grant.allows(service: fetch.service)
                ? nil : "Fetch.service: key \(grant.keyId) may not fetch for \(fetch.service)"
        case .declareSaga(let saga):
            for (index, step) in saga.steps.enumerated() where !grant.allows(service: step.service) {
                return "steps[\(index)].service: key \(grant.keyId) may not declare a step of \(step.service)"
            }
            return nil
        default:
            return "\(message.type): needs an operator key; \(grant.keyId) is a subscriber key"
        }
    }
}

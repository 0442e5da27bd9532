import CompJournal
import CompModel
@testable import CompNotify

/// CompNotify's message, not Foundation's `Notification` (files here that import Foundation see both).
typealias Notification = CompNotify.Notification

/// Journal rows as the `ChangeReader` gives them, made by replaying the model at fixed times.
struct Rows {
    /// 2026-01-01T10:00:00.000Z, on a minute boundary.
    static let t0 = Timestamp(milliseconds: 1_767_261_600_000)
    static let spec = RetrySpec(
        maxRetries: 5, minBackoff: .seconds(3), maxBackoff: .seconds(60), executionTimeout: .seconds(30),
        jitterPermille: 0)

    var seq: Int64 = 0
    var random = SplitMix64(seed: 7)

    /// `t0` plus `seconds` (may be fractional via milliseconds).
    static func at(_ seconds: Int64, ms: Int64 = 0) -> Timestamp { t0.adding(.milliseconds(seconds * 1000 + ms)) }

    static func change(seq: Int64, at: Timestamp, kind: String, actor: String?, subject: JournalChange.Subject)
        -> JournalChange
    {
        JournalChange(seq: seq, at: at, kind: kind, actor: actor, subject: subject)
    }

    /// The next row: a first failure creating execution `id`.
    mutating func created(
        id: ExecutionID, service: String = "orders", function: String = "charge", code: String = "DB_DOWN",
        message: String = "connection refused", hint: Recoverability = .unknown, at: Timestamp
    ) -> (JournalChange, Execution) {
        seq += 1
        let key = ExecutionKey(service: service, processor: "billing", function: function, eventId: "evt-\(id)")
        let execution = Execution.create(
            id: id, key: key, correlationId: "order-\(id)",
            failure: FailureReport(error: ErrorInfo(code: code, message: message), recoverable: hint, occurredAt: at),
            spec: Self.spec, payload: [], now: at, random: &random)
        return (Self.change(seq: seq, at: at, kind: "failure", actor: nil,
                            subject: .execution(previous: nil, current: execution)), execution)
    }

    /// The next row: `input` applied to `execution` at `at` under the history kind `kind`.
    mutating func applied(
        _ input: ExecutionInput, to execution: Execution, kind: String, actor: String? = nil, at: Timestamp
    ) throws -> (JournalChange, Execution) {
        seq += 1
        var next = execution
        try next.apply(input, now: at, random: &random)
        return (Self.change(seq: seq, at: at, kind: kind, actor: actor,
                            subject: .execution(previous: execution, current: next)), next)
    }

    /// The next row: a service paused or resumed.
    mutating func service(_ name: String, paused: Bool, actor: String, at: Timestamp) -> JournalChange {
        seq += 1
        return Self.change(seq: seq, at: at, kind: paused ? "paused" : "resumed", actor: actor,
                           subject: .service(name: name, paused: paused))
    }

    /// `count` first failures of distinct executions of one handler, `spacing` apart from `start`.
    mutating func storm(
        count: Int, firstId: ExecutionID = 1, service: String = "orders", function: String = "charge",
        code: String = "DB_DOWN", from start: Timestamp, spacing: TimeSpan = .milliseconds(10)
    ) -> [JournalChange] {
        (0..<count).map { index in
            created(
                id: firstId + ExecutionID(index), service: service, function: function, code: code,
                at: start.adding(.milliseconds(spacing.milliseconds * Int64(index)))
            ).0
        }
    }
}

extension ChangeBatch {
    /// A batch of `changes` that covers up to `lastSeq` (default: the last change's seq).
    static func of(_ changes: [JournalChange], after: Int64 = 0, lastSeq: Int64? = nil, pruned: Int64 = 0) -> ChangeBatch {
        ChangeBatch(changes: changes, lastSeq: lastSeq ?? changes.last?.seq ?? after, prunedRows: pruned)
    }
}

extension Notification {
    /// The digest facts, or nil for a single.
    var digest: DigestFacts? {
        if case .digest(let facts) = content { return facts }
        return nil
    }

    /// The single event's facts, or nil for a digest.
    var single: SingleFacts? {
        if case .single(let facts) = content { return facts }
        return nil
    }
}

/// A notifier with every event and a small window, for storm tests.
func stormConfig(threshold: Int = 3, window: TimeSpan = .seconds(60)) -> NotifierConfig {
    NotifierConfig(
        name: "hook", kind: .webhook, url: "http://127.0.0.1:9/hook", events: Set(NotificationKind.allCases),
        digestThreshold: threshold, digestWindow: window)
}

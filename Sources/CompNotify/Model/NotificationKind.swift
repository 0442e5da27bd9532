/// What a notification is about: one of the events an operator can subscribe a notifier to.
///
/// The raw values are the names used in `events=` and in the bodies' `event` field.
public enum NotificationKind: String, CaseIterable, Sendable, Codable {
    /// The first failure of a handler for an event created an execution.
    case failureCreated = "failure_created"
    /// A retry (a leased attempt) failed, or another failure joined the open execution.
    case retryFailed = "retry_failed"
    /// The execution became PARKED (with its reason): it waits for an operator.
    case parked
    /// A success ended an execution that had failed.
    case succeeded = "succeeded_after_retry"
    /// An operator marked the execution recoverable.
    case markedRecoverable = "marked_recoverable"
    /// An operator marked the execution unrecoverable.
    case markedUnrecoverable = "marked_unrecoverable"
    /// An operator discarded the execution.
    case discarded
    /// A lease ran out with no result.
    case leaseExpired = "lease_expired"
    /// An operator paused a service.
    case servicePaused = "service_paused"
    /// An operator resumed a service.
    case serviceResumed = "service_resumed"

    /// The filter of a notifier that names no events: the seed's (failure created, retry failed, succeeded
    /// after retry) plus parked.
    public static let defaultFilter: Set<NotificationKind> = [.failureCreated, .retryFailed, .succeeded, .parked]

    /// The case's position, for hashing (`WindowKey`).
    var ordinal: UInt8 {
        switch self {
        case .failureCreated: 0
        case .retryFailed: 1
        case .parked: 2
        case .succeeded: 3
        case .markedRecoverable: 4
        case .markedUnrecoverable: 5
        case .discarded: 6
        case .leaseExpired: 7
        case .servicePaused: 8
        case .serviceResumed: 9
        }
    }

    /// The plural noun a digest counts in: `1,342 failures of orders/charge ...`.
    var pluralNoun: String {
        switch self {
        case .failureCreated: "failures"
        case .retryFailed: "failed retries"
        case .parked: "parked executions"
        case .succeeded: "successes after retry"
        case .markedRecoverable: "marks as recoverable"
        case .markedUnrecoverable: "marks as unrecoverable"
        case .discarded: "discards"
        case .leaseExpired: "expired leases"
        case .servicePaused: "service pauses"
        case .serviceResumed: "service resumes"
        }
    }
}

/// The shape of the HTTP body a notifier sends.
public enum NotifierKind: String, CaseIterable, Sendable {
    /// A documented generic JSON object (docs/NOTIFICATIONS.md).
    case webhook
    /// A Slack-compatible incoming webhook (`text` and `blocks`).
    case slack
    /// A WeCom (企业微信) group-bot markdown message.
    case wecom
}

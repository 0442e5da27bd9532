import CompWire

/// Where the gateway reads the notifiers' delivery state for a `NotificationsRequest`
/// (`compctl notifications`): compd's notifier service implements it.
public protocol NotifierStatusSource: Sendable {
    /// One status per notifier, in the order they were configured; never blocks on SQLite on the
    /// cooperative pool (the service answers from state it keeps).
    func notifierStatuses() async -> [NotifierStatus]
}

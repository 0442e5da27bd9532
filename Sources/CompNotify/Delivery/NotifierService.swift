import CompBroker
import ServiceLifecycle

/// The notifiers as a service of compd's `ServiceGroup`: opens the journal reader and the cursor file,
/// reads and sends until graceful shutdown, then stops reading, gives requests in flight up to 2 s and
/// writes the cursors.
public struct NotifierService: Service, CustomStringConvertible {
    let delivery: NotificationDelivery
    let commits: CommitSignal

    public var description: String { "notifiers" }

    /// Runs the notifiers until graceful shutdown (or cancellation).
    ///
    /// - Throws: `JournalError` when the journal or `notify.sqlite` cannot be opened at start.
    public func run() async throws {
        guard !delivery.outboxes.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        try await delivery.run(commits: commits) {
            try? await gracefulShutdown()  // throws only on cancellation: stop the same way then
        }
    }
}

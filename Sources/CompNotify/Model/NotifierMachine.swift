import CompJournal
import CompModel

/// One notifier's decisions as a value: which journal rows become which messages, storm control, and how
/// far the durable cursor may move. No clock and no I/O: the owner passes rows and the time in.
///
/// Use: pass every batch the `ChangeReader` returns to `read`, the empty ones too, and send what it returns
/// in order; report each message's end with `delivered`; store `durableCursor`. Read again at once while a
/// read covers new rows (`batch.lastSeq` moved); once one covers none (caught up), wait for a commit or for
/// `nextWake`, then read again (that read closes the windows that are due; `tick` does the same).
///
/// Storm control: events are counted per (kind, service, function, error code) in windows aligned on the
/// row's time (`floor(at / window)`); the first N of a window go singly, the rest are held and go as one
/// digest when the window closes. A window closes when time reaches its end plus a grace of 1 s: the
/// journal's time (a later row at or after that instant), or the clock's (`tick`, `read` of an empty batch),
/// the latter only once the reader is caught up, because before that unread rows may still belong to it.
/// So a restart from `durableCursor` re-derives the same messages with the same keys. Pause and resume of
/// a service always go singly.
public struct NotifierMachine: Sendable {
    /// The notifier.
    public let config: NotifierConfig
    /// How long after its end a window waits for rows committed late.
    public static let grace = TimeSpan.seconds(1)
    /// How long (in journal time) a closed window is remembered, so a late row of it goes singly.
    static let closedMemory = TimeSpan.seconds(600)

    private var readCursor: Int64
    private var open: [WindowKey: OpenWindow] = [:]
    /// The earliest end of an open window (`distantFuture` when none): rows before it close nothing, so a
    /// row costs O(1) however many windows are open.
    private var earliestEnd = Timestamp.distantFuture
    private var closed: [WindowKey: ClosedWindow] = [:]
    private var pending = PendingSet()
    private var caughtUp = false
    private var journalTime = Timestamp.zero

    /// Starts a notifier whose rows up to `cursor` are done (its stored cursor, or the journal's head).
    ///
    /// - Parameters:
    ///   - config: the notifier.
    ///   - cursor: the last seq already handled.
    public init(config: NotifierConfig, cursor: Int64) {
        self.config = config
        readCursor = cursor
    }

    /// Derives events from the changes (in seq order), filters them, applies storm control; returns what to
    /// send now, in order.
    ///
    /// Rows at or below the seqs already read are ignored. A batch that covers no new row (`lastSeq` not past
    /// the previous one) tells the machine it is caught up with the journal: windows whose time is over at
    /// `now` close then (their digests are returned).
    ///
    /// - Parameters:
    ///   - batch: the next rows after the last `batch.lastSeq` passed in (or the starting cursor).
    ///   - now: the clock, used only when the batch is empty.
    /// - Returns: the messages to send, singles and digests.
    public mutating func read(_ batch: ChangeBatch, now: Timestamp) -> [Notification] {
        var messages: [Notification] = []
        var highest = readCursor
        for change in batch.changes where change.seq > readCursor {
            highest = max(highest, change.seq)
            journalTime = max(journalTime, change.at)
            close(at: change.at, messages: &messages)
            guard let event = DerivedEvent.derive(from: change),
                config.accepts(event.kind, service: event.facts.service)
            else { continue }
            admit(event, messages: &messages)
        }
        // Caught up: the read covered no new row (a batch of only stale or pruned rows may not be the head).
        caughtUp = batch.changes.isEmpty && batch.lastSeq <= readCursor
        readCursor = max(highest, batch.lastSeq)
        if caughtUp { close(at: now, messages: &messages) }
        forgetClosedWindows()
        return messages
    }

    /// Closes windows whose time is over (`now >= windowEnd + grace`) and returns their digests; does nothing
    /// unless the last `read` covered no new row (caught up), since unread rows may still belong to them.
    ///
    /// - Parameter now: the clock.
    /// - Returns: the digests of the windows closed, oldest first.
    public mutating func tick(now: Timestamp) -> [Notification] {
        guard caughtUp else { return [] }
        var messages: [Notification] = []
        close(at: now, messages: &messages)
        return messages
    }

    /// Marks a message as no longer pending: sent (2xx) or dropped. Unknown keys are ignored.
    ///
    /// - Parameter idempotencyKey: the message's key.
    public mutating func delivered(_ idempotencyKey: String) {
        pending.remove(idempotencyKey)
    }

    /// The messages handed out and not yet delivered.
    public var pendingCount: Int { pending.count }

    /// The highest seq S such that everything derived from rows <= S is delivered and no open window started
    /// at or before S, and S is not inside the rows of a window that had a digest: a restart from S
    /// re-derives the same messages with the same keys. Never decreases.
    public var durableCursor: Int64 {
        var cursor = readCursor
        if let first = pending.lowestFirstSeq { cursor = min(cursor, first - 1) }
        for window in open.values { cursor = min(cursor, window.firstSeq - 1) }
        var moved = true
        while moved {
            moved = false
            for window in closed.values where window.hadDigest && window.firstSeq <= cursor && cursor < window.lastSeq {
                cursor = window.firstSeq - 1
                moved = true
            }
        }
        return cursor
    }

    /// When `tick` must run next (the earliest window's end plus grace), nil when no window is open.
    public var nextWake: Timestamp? {
        earliestEnd == .distantFuture ? nil : earliestEnd.adding(Self.grace)
    }

    /// Sends the event singly or counts it in its window.
    ///
    /// In a storm nearly every event is held: one lookup of its window, changed in place, and no message built.
    private mutating func admit(_ event: DerivedEvent, messages: inout [Notification]) {
        guard event.kind != .servicePaused, event.kind != .serviceResumed else {
            emit(single(event), into: &messages)
            return
        }
        let key = WindowKey(
            kind: event.kind, service: event.facts.service, function: event.function, errorCode: event.errorCode,
            at: event.facts.occurredAt, window: config.digestWindow)
        if !closed.isEmpty, closed[key] != nil {
            // A late row: its window's digest is gone (or was never needed).
            emit(single(event), into: &messages)
            return
        }
        let threshold = config.digestThreshold
        func count(_ window: inout OpenWindow) -> (end: Timestamp, goesSingly: Bool) {
            window.total += 1
            window.lastSeq = event.seq
            if window.total > threshold { window.held += 1 }
            return (window.end, window.total <= threshold)
        }
        let counted = count(&open[key, default: OpenWindow(
            end: Timestamp(milliseconds: key.start).adding(config.digestWindow), firstSeq: event.seq,
            lastSeq: event.seq)])
        earliestEnd = min(earliestEnd, counted.end)
        if counted.goesSingly { emit(single(event), into: &messages) }
    }

    /// The message that sends `event` on its own.
    private func single(_ event: DerivedEvent) -> Notification {
        Notification(
            idempotencyKey: "\(config.name):\(event.seq)", kind: event.kind, content: .single(event.facts),
            firstSeq: event.seq, lastSeq: event.seq)
    }

    private mutating func emit(_ message: Notification, into messages: inout [Notification]) {
        pending.insert(message.idempotencyKey, firstSeq: message.firstSeq)
        messages.append(message)
    }

    /// Closes the open windows whose end plus grace is at or before `time`, oldest first, and emits the
    /// digests of those that held events.
    private mutating func close(at time: Timestamp, messages: inout [Notification]) {
        guard earliestEnd != .distantFuture, earliestEnd.adding(Self.grace) <= time else { return }
        defer { earliestEnd = open.values.map(\.end).min() ?? .distantFuture }
        let over = open.filter { $0.value.end.adding(Self.grace) <= time }.sorted { $0.value.firstSeq < $1.value.firstSeq }
        for (key, window) in over {
            open[key] = nil
            closed[key] = ClosedWindow(
                end: window.end, firstSeq: window.firstSeq, lastSeq: window.lastSeq, hadDigest: window.held > 0)
            guard window.held > 0 else { continue }
            let facts = DigestFacts(
                count: window.held, total: window.total, windowStart: Timestamp(milliseconds: key.start),
                windowEnd: window.end, service: key.service, function: key.function, errorCode: key.errorCode)
            emit(
                Notification(
                    idempotencyKey: key.digestKey(notifier: config.name), kind: key.kind, content: .digest(facts),
                    firstSeq: window.firstSeq, lastSeq: window.lastSeq),
                into: &messages)
        }
    }

    /// Forgets closed windows the journal's time has long passed, once the cursor is past their rows.
    private mutating func forgetClosedWindows() {
        guard !closed.isEmpty else { return }
        let cursor = durableCursor
        closed = closed.filter { _, window in
            journalTime < window.end.adding(Self.closedMemory) || (window.hadDigest && cursor < window.lastSeq)
        }
    }
}

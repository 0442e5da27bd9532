/// The rate limit of notice lines per kind: at most `linesPerWindow` lines of one kind in a window of
/// `windowMilliseconds`; the lines beyond are counted, and once the window has ended one summary line
/// says how many were left out. A storm (a dead subscriber's thousand leases expiring, a bulk discard,
/// a client sending bad records in a loop) costs a bounded number of lines per second, and no count
/// is lost. A value: the caller passes the monotonic time and logs what it is told to.
struct NoticeLimiter<Kind: Hashable & Sendable>: Sendable {
    /// What was left out of one window.
    struct Summary: Equatable, Sendable {
        var kind: Kind
        var suppressed: Int
        var windowMilliseconds: Int64
    }

    private struct Window: Sendable {
        var start: Int64
        var logged = 0
        var suppressed = 0
    }

    let linesPerWindow: Int
    let windowMilliseconds: Int64
    private var windows: [Kind: Window] = [:]

    init(linesPerWindow: Int = 20, windowMilliseconds: Int64 = 1000) {
        self.linesPerWindow = linesPerWindow
        self.windowMilliseconds = windowMilliseconds
    }

    /// Whether a line of `kind` at `now` is logged; and the summary of the kind's previous window, to
    /// log first, when that window ended with lines left out.
    mutating func admit(_ kind: Kind, at now: Int64) -> (log: Bool, summary: Summary?) {
        var summary: Summary?
        var window = windows[kind] ?? Window(start: now)
        if now - window.start >= windowMilliseconds {
            summary = close(kind, window)
            window = Window(start: now)
        }
        let log = window.logged < linesPerWindow
        if log { window.logged += 1 } else { window.suppressed += 1 }
        windows[kind] = window
        return (log, summary)
    }

    /// Whether some window has lines left out (its summary is still to come).
    var hasSuppressed: Bool { windows.values.contains { $0.suppressed > 0 } }

    /// The summaries of windows that have ended by `now` with lines left out; those windows are closed.
    mutating func ended(at now: Int64) -> [Summary] {
        var summaries: [Summary] = []
        for (kind, window) in windows where now - window.start >= windowMilliseconds {
            windows[kind] = nil
            if let summary = close(kind, window) { summaries.append(summary) }
        }
        return summaries
    }

    private func close(_ kind: Kind, _ window: Window) -> Summary? {
        window.suppressed > 0 ? Summary(kind: kind, suppressed: window.suppressed, windowMilliseconds: windowMilliseconds) : nil
    }
}

import CompModel

/// The one-line text of a message, the same in every body kind.
///
/// `orders/charge failed: DB_DOWN (connection refused) — retry 1 of 5 at 10:01:03Z`;
/// `1,342 failures of orders/charge with DB_DOWN in the 60 s from 10:00:00Z (10 sent singly)`.
enum Summary {
    /// The summary of a notification.
    static func line(_ notification: Notification) -> String {
        switch notification.content {
        case .single(let facts): single(notification.kind, facts)
        case .digest(let facts): digest(notification.kind, facts)
        }
    }

    static func single(_ kind: NotificationKind, _ facts: SingleFacts) -> String {
        let by = facts.actor.map { " by \($0)" } ?? ""
        guard let execution = facts.execution else {
            return "service \(facts.service) \(kind == .servicePaused ? "paused" : "resumed")\(by)"
        }
        let handler = "\(facts.service)/\(execution.function)"
        let error = errorText(execution)
        let next = execution.nextRetryAt.map { " — retry \(execution.retries + 1) of \(execution.maxRetries) at \(timeOfDay($0))" } ?? ""
        switch kind {
        case .failureCreated:
            return "\(handler) failed\(error.isEmpty ? "" : ": " + error)\(next)"
        case .retryFailed:
            let what = execution.retries > 0 ? "retry \(execution.retries) of \(execution.maxRetries) failed" : "failed again"
            return "\(handler) \(what)\(error.isEmpty ? "" : ": " + error)\(next)"
        case .parked:
            let reason = execution.parkReason.map { " (\($0))" } ?? ""
            return "\(handler) parked\(reason)\(by) after \(execution.retries) of \(execution.maxRetries) retries"
                + (error.isEmpty ? "" : ": " + error)
        case .succeeded:
            switch execution.retries {
            case 0: return "\(handler) succeeded after failing" + (execution.errorCode.isEmpty ? "" : " with \(execution.errorCode)")
            case 1: return "\(handler) succeeded after 1 retry"
            default: return "\(handler) succeeded after \(execution.retries) retries"
            }
        case .markedRecoverable:
            return "\(handler) marked recoverable\(by)"
        case .markedUnrecoverable:
            return "\(handler) marked unrecoverable\(by)"
        case .discarded:
            return "\(handler) discarded\(by)"
        case .leaseExpired:
            return "\(handler) lease expired\(error.isEmpty ? "" : ": " + error)\(next)"
        case .servicePaused, .serviceResumed:
            return "service \(facts.service) \(kind == .servicePaused ? "paused" : "resumed")\(by)"
        }
    }

    static func digest(_ kind: NotificationKind, _ facts: DigestFacts) -> String {
        let noun = facts.count == 1 ? kind.singularNoun : kind.pluralNoun
        let code = facts.errorCode.isEmpty ? "" : " with \(facts.errorCode)"
        let span = facts.windowEnd.since(facts.windowStart)
        return "\(grouped(facts.count)) \(noun) of \(facts.service)/\(facts.function)\(code) in the "
            + "\(seconds(span)) s from \(timeOfDay(facts.windowStart)) (\(grouped(facts.sentSingly)) sent singly)"
    }

    /// `DB_DOWN (connection refused)`, or whichever of code and message is not empty.
    static func errorText(_ execution: ExecutionFacts) -> String {
        switch (execution.errorCode.isEmpty, execution.errorMessage.isEmpty) {
        case (false, false): "\(execution.errorCode) (\(execution.errorMessage))"
        case (false, true): execution.errorCode
        case (true, false): execution.errorMessage
        case (true, true): ""
        }
    }

    /// `10:01:03Z`: the time of day in UTC.
    static func timeOfDay(_ time: Timestamp) -> String {
        let text = time.iso8601
        guard let t = text.firstIndex(of: "T"), let dot = text.lastIndex(of: ".") else { return text }
        return String(text[text.index(after: t)..<dot]) + "Z"
    }

    /// `1,342`: a count with thousands separated by commas.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return value < 0 ? "-" + text : text
    }

    /// `60`, or `1.5`: a span in seconds without trailing zeros.
    static func seconds(_ span: TimeSpan) -> String {
        let whole = span.milliseconds / 1000
        let fraction = span.milliseconds % 1000
        guard fraction != 0 else { return String(whole) }
        var decimals = String(fraction)
        decimals = String(repeating: "0", count: 3 - decimals.count) + decimals
        while decimals.hasSuffix("0") { decimals.removeLast() }
        return "\(whole).\(decimals)"
    }
}

extension NotificationKind {
    /// The noun a digest counts one event in.
    var singularNoun: String {
        switch self {
        case .failureCreated: "failure"
        case .retryFailed: "failed retry"
        case .parked: "parked execution"
        case .succeeded: "success after retry"
        case .markedRecoverable: "mark as recoverable"
        case .markedUnrecoverable: "mark as unrecoverable"
        case .discarded: "discard"
        case .leaseExpired: "expired lease"
        case .servicePaused: "service pause"
        case .serviceResumed: "service resume"
        }
    }
}

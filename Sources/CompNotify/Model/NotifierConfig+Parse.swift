import CompModel
import CompWire
import Foundation

extension NotifierConfig {
    /// Parses the one grammar of `--notify` and of the config file's `notify = ...` lines.
    ///
    /// `KIND=URL [events=k1,k2|all] [services=s1,s2] [name=NAME] [digest=N/WINDOW] [retry=MIN/MAX]`, words separated by
    /// spaces or tabs: KIND one of `webhook`, `slack`, `wecom`; URL `http://` or `https://` with a host;
    /// `events=` names from `NotificationKind` (default: `NotificationKind.defaultFilter`) or `all`;
    /// `services=` service names (default: every service); `name=` 1 to 64 of `A-Z a-z 0-9 . _ -` (default
    /// `KIND-<first 8 hex of SHA-256(URL)>`); `digest=N/WINDOW` with N >= 1 and WINDOW a duration from 1s
    /// to 1h such as `60s` or `5m` (default `10/60s`); `retry=MIN/MAX`, the first and the longest delay
    /// between attempts at a message the receiver did not take, from 100ms to 1h (default `1s/5m`).
    ///
    /// - Parameter text: the notifier's text.
    /// - Returns: the notifier.
    /// - Throws: `NotifierConfigError` naming the part to fix.
    public static func parse(_ text: String) throws(NotifierConfigError) -> NotifierConfig {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            .map(String.init)
        guard let target = words.first else { throw .empty }
        guard let equals = target.firstIndex(of: "=") else { throw .missingTarget(word: target) }
        let kindText = String(target[..<equals])
        guard let kind = NotifierKind(rawValue: kindText) else {
            if options.contains(kindText) { throw .missingTarget(word: target) }
            throw .unknownKind(kindText)
        }
        let url = String(target[target.index(after: equals)...])
        guard isHTTPURL(url) else { throw .badURL(kind: kind) }

        var config = NotifierConfig(kind: kind, url: url)
        var seen: Set<String> = []
        for word in words.dropFirst() {
            guard let split = word.firstIndex(of: "=") else { throw .unknownOption(word) }
            let option = String(word[..<split])
            let value = String(word[word.index(after: split)...])
            guard options.contains(option) else { throw .unknownOption(word) }
            guard seen.insert(option).inserted else { throw .duplicateOption(option) }
            switch option {
            case "events": config.events = try parseEvents(value)
            case "services": config.services = try parseServices(value)
            case "name":
                guard isName(value) else { throw .badName(value) }
                config.name = value
            case "retry":
                (config.retryMin, config.retryMax) = try parseRetry(value)
            default:
                (config.digestThreshold, config.digestWindow) = try parseDigest(value)
            }
        }
        return config
    }

    /// Whether `text` is an `http://` or `https://` URL with a host.
    static func isHTTPURL(_ text: String) -> Bool {
        guard !text.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }),
            let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    private static func parseEvents(_ value: String) throws(NotifierConfigError) -> Set<NotificationKind> {
        var events: Set<NotificationKind> = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            if item == "all" {
                events.formUnion(NotificationKind.allCases)
            } else if let kind = NotificationKind(rawValue: String(item)) {
                events.insert(kind)
            } else {
                throw .unknownEvent(String(item))
            }
        }
        return events
    }

    private static func parseServices(_ value: String) throws(NotifierConfigError) -> Set<String> {
        let items = value.split(separator: ",", omittingEmptySubsequences: false)
        guard !items.contains(where: \.isEmpty) else { throw .emptyService }
        return Set(items.map(String.init))
    }

    private static func parseDigest(_ value: String) throws(NotifierConfigError) -> (Int, TimeSpan) {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            parts[0].count <= 7, let threshold = Int(parts[0]),
            (1...maxDigestThreshold).contains(threshold),
            let milliseconds = DurationText.milliseconds(String(parts[1])),
            (UInt64(minDigestWindow.milliseconds)...UInt64(maxDigestWindow.milliseconds)).contains(milliseconds)
        else { throw .badDigest(value) }
        return (threshold, .milliseconds(Int64(milliseconds)))
    }

    /// The options after `KIND=URL`.
    static let options = ["events", "services", "name", "digest", "retry"]

    private static func parseRetry(_ value: String) throws(NotifierConfigError) -> (TimeSpan, TimeSpan) {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let bounds = UInt64(minRetryDelay.milliseconds)...UInt64(maxRetryDelay.milliseconds)
        guard parts.count == 2, let low = DurationText.milliseconds(String(parts[0])),
            let high = DurationText.milliseconds(String(parts[1])), bounds.contains(low), bounds.contains(high), low <= high
        else { throw .badRetry(value) }
        return (.milliseconds(Int64(low)), .milliseconds(Int64(high)))
    }

    /// Whether `text` is 1 to 64 of `A-Z a-z 0-9 . _ -`.
    static func isName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                || byte == 0x2e || byte == 0x5f || byte == 0x2d
        }
    }
}

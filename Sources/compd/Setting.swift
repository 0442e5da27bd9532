import CompAuth
import CompBroker
import CompHTTP
import CompModel
import CompWire

/// One compd setting. This enum is the one list of setting names: the long option (`--max-retries`),
/// the environment variable (`COMPD_MAX_RETRIES`), the config file's name (`max-retries` or
/// `max_retries`), `compd --help` and the error messages all come from it.
enum Setting: String, CaseIterable {
    case data
    case listen
    case events
    case http
    case httpTokens = "http-tokens"
    case metricsPublic = "metrics-public"
    case sync
    case maxRetries = "max-retries"
    case minBackoff = "min-backoff"
    case maxBackoff = "max-backoff"
    case executionTimeout = "execution-timeout"
    case jitter
    case inFlight = "in-flight"
    case maxFrameBytes = "max-frame-bytes"
    case retention
    case logLevel = "log-level"
    case logFormat = "log-format"
    case notify
    case consoleURL = "console-url"
    case profile
    case auth
    case authWindow = "auth-window"
    case insecure

    /// The setting a name from the command line or the config file spells: dashes or underscores,
    /// any case (`max-retries`, `max_retries`, `MAX_RETRIES`).
    init?(spelling: String) {
        self.init(rawValue: spelling.lowercased().replacingOccurrences(of: "_", with: "-"))
    }

    /// The long option.
    var flag: String { "--" + rawValue }

    /// The environment variable (what swift-configuration's environment provider looks up for the
    /// key prefixed with `compd`).
    var environmentName: String { "COMPD_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// Whether the setting may be given several times (each option or file line adds a value).
    var isList: Bool { self == .listen || self == .notify }

    /// Whether one value may hold several, separated by commas (`--listen a,b`). Not `notify`, whose
    /// options hold commas themselves (`events=parked,discarded`).
    var splitsOnCommas: Bool { self == .listen }

    /// The placeholder of the value in the help.
    var valueName: String {
        switch self {
        case .data: "dir"
        case .listen, .events, .http: "address"
        case .httpTokens: "file"
        case .metricsPublic: "true|false"
        case .sync: "full|normal"
        case .maxRetries, .inFlight: "count"
        case .minBackoff, .maxBackoff, .executionTimeout, .retention: "duration"
        case .jitter: "permille"
        case .maxFrameBytes: "bytes"
        case .logLevel: "level"
        case .logFormat: "text|json"
        case .notify: "KIND=URL [options]"
        case .consoleURL: "url"
        case .profile: "default|small"
        case .auth: "off|optional|required"
        case .authWindow: "duration"
        case .insecure: "true|false"
        }
    }

    /// What the setting does, for the help.
    var summary: String {
        switch self {
        case .data: "Directory of the SQLite journal."
        case .listen: "Request socket address (raw REP); repeat the option, or separate addresses with commas, to listen on several."
        case .events: "Event socket address (PUB), or `off`."
        case .http: "HTTP address (health, readiness, metrics, API, console), or `off`; loopback only without --http-tokens."
        case .httpTokens: "File of HTTP tokens, one `name role token` a line (role viewer or operator); SIGHUP reloads it."
        case .metricsPublic: "With --http-tokens: whether /metrics answers without a token."
        case .sync: "full: an ack means durable; normal: faster, may lose the last commits on power loss."
        case .maxRetries: "Default retries after the first failure."
        case .minBackoff: "Default first retry delay (raising it lifts a lower default max-backoff)."
        case .maxBackoff: "Default cap on a retry delay."
        case .executionTimeout: "Default lease length of an attempt."
        case .jitter: "Default jitter in thousandths of a delay."
        case .inFlight: "Commands of one service leased at once at most."
        case .maxFrameBytes: "Largest frame accepted and sent."
        case .retention: "How long finished executions are kept."
        case .logLevel: "Lowest level logged to standard error."
        case .logFormat: "text: one line of text per entry; json: one JSON object per line (ts, level, label, source, message, then every metadata key)."
        case .notify: "A notifier: KIND=URL [events=k1,k2|all] [services=s1,s2] [name=NAME] [digest=N/WINDOW]; repeat the option (or the file line) for several."
        case .consoleURL: "Base URL of the console for the links in notifications (default: http:// and the --http address)."
        case .profile: "Memory profile: small (embedded nodes) uses 2 MiB + 512 KiB of SQLite cache instead of 16 + 4 MiB and turns HTTP off unless --http is given."
        case .auth: "Keys on the request socket: off; optional (signed frames verified and scoped, unsigned served); required (unsigned refused but Hello/Heartbeat). See README, Keys and access."
        case .authWindow: "How far a signed frame's timestamp may be from compd's clock; nonces are remembered this long."
        case .insecure: "Allow --auth off on a non-loopback --listen address (anyone who reaches it may do anything). `--insecure` alone means true."
        }
    }

    /// What a valid value is, for the help and the error messages.
    var rule: String {
        let durations = "a duration such as 250ms, 3s, 5m, 2h or 1d"
        let spanLimit = DurationText.format(milliseconds: UInt64(RetrySpec.spanLimit.milliseconds))
        return switch self {
        case .data: "a non-empty path"
        case .listen, .events: "a nanomsg address such as tcp://127.0.0.1:7450 or ipc:///tmp/compd.ipc"
            + (self == .events ? ", or off" : "")
        case .http: "host:port (127.0.0.1:7480, [::1]:7480, localhost:7480; any address only with http-tokens), or off"
        case .httpTokens: "a readable file of `name role token` lines, tokens of at least \(TokenFile.minimumTokenLength) characters, or empty for none"
        case .metricsPublic: "true or false"
        case .sync: "full or normal"
        case .maxRetries: "an integer in 0...\(RetrySpec.maxRetriesLimit)"
        case .minBackoff: "\(durations), at most \(spanLimit)"
        case .maxBackoff: "\(durations), at most \(spanLimit), and not below min-backoff"
        case .executionTimeout: "\(durations), at least 1ms and at most \(spanLimit)"
        case .jitter: "an integer in 0...1000"
        case .inFlight: "an integer of at least 1"
        case .maxFrameBytes: "an integer in \(BrokerConfig.minFrameBytes)...\(WireLimits.maxFrameBytes)"
        case .retention: "\(durations), at least 24h (the dedupe window)"
        case .logLevel: "one of trace, debug, info, notice, warning, error, critical"
        case .logFormat: "text or json"
        case .notify: "KIND=URL with KIND webhook, slack or wecom and an http:// or https:// URL, then optionally "
            + "events=K1,K2 or events=all, services=S1,S2, name=NAME, digest=N/WINDOW (docs/NOTIFICATIONS.md); empty for none"
        case .consoleURL: "an http:// or https:// URL with a host, such as https://compd.example.com, or empty for the default"
        case .profile: "default or small"
        case .auth: "off, optional or required; off only on loopback and ipc addresses unless insecure"
        case .authWindow: "\(durations), in 1s...1h"
        case .insecure: "true or false"
        }
    }

    /// The value used when no source sets the setting, as a user would write it.
    var defaultText: String {
        let config = BrokerConfig()
        let spec = config.defaultSpec
        func format(_ span: TimeSpan) -> String { DurationText.format(milliseconds: UInt64(span.milliseconds)) }
        return switch self {
        case .data: config.dataDirectory
        case .listen: config.listenAddresses.joined(separator: ",")
        case .events: config.eventsAddress ?? "off"
        case .http: HTTPAddress.defaultAddress.description
        case .httpTokens: "none (loopback only, every caller the local operator)"
        case .metricsPublic: "false"
        case .sync: config.sync.rawValue
        case .maxRetries: "\(spec.maxRetries)"
        case .minBackoff: format(spec.minBackoff)
        case .maxBackoff: format(spec.maxBackoff)
        case .executionTimeout: format(spec.executionTimeout)
        case .jitter: "\(spec.jitterPermille)"
        case .inFlight: "\(config.inFlightPerService)"
        case .maxFrameBytes: "\(config.maxFrameBytes)"
        case .retention: format(config.retention)
        case .logLevel: "info"
        case .logFormat: LogFormat.text.rawValue
        case .notify: "none"
        case .consoleURL: "http:// and the --http address (no links with --http off)"
        case .profile: BrokerProfile.standard.rawValue
        case .auth: config.auth.rawValue
        case .authWindow: format(config.authWindow)
        case .insecure: "false"
        }
    }

    /// The settings as `compd --help` lists them: option, value, summary, rule, default, variable;
    /// wrapped to fit 80 columns (the help does not indent wrapped lines).
    static var helpText: String {
        Setting.allCases.map { setting in
            (["  \(setting.flag) <\(setting.valueName)>"]
                + wrap(setting.summary, indent: 8)
                + wrap("Valid: \(setting.rule). Default: \(setting.defaultText). Environment: \(setting.environmentName).",
                       indent: 8)).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// `text` in lines of at most 78 columns, each indented by `indent` spaces.
    private static func wrap(_ text: String, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, indent + line.count + 1 + word.count > 78 {
                lines.append(pad + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(pad + line) }
        return lines
    }
}

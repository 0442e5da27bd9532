import CompAuth
import CompBroker
import CompHTTP
import CompJournal
import CompModel
import CompNotify
import CompTransport
import CompWire
import Configuration
import Foundation
import Logging

/// compd's settings, typed, read through swift-configuration from three providers in order of
/// precedence: the command-line options, the environment (`COMPD_<NAME>`), the config file
/// (`--config FILE` or `COMPD_CONFIG`); then the defaults of `BrokerConfig`.
struct Settings {
    /// What the broker runs with.
    let broker: BrokerConfig
    /// Where the HTTP side listens; nil when it is off.
    let http: HTTPAddress?
    /// Who may use the HTTP side: the tokens of `--http-tokens`, or the local operator without one.
    let access: HTTPAccess
    /// Warnings about the settings to log once logging runs (a tokens file others may read).
    let warnings: [String]
    /// The lowest level logged.
    let logLevel: Logger.Level
    /// How log lines are written.
    let logFormat: LogFormat
    /// The notifiers (`notify`), in the order given; names unique.
    let notifiers: [NotifierConfig]
    /// The console's base URL for the links in notifications: `console-url`, else `http://` and the HTTP
    /// address; empty with HTTP off and no `console-url` (links are left out).
    let consoleURL: String
    /// Environment variables that start with `COMPD_` but name no setting (warned about, not refused:
    /// the environment is inherited).
    let unknownVariables: [String]

    /// Reads the settings.
    ///
    /// - Parameters:
    ///   - arguments: the options compd's parser left for the settings (everything but `--config`).
    ///   - configPath: `--config`, if given.
    ///   - environment: the process environment.
    /// - Throws: `SettingsError` naming the setting, its value and origin, and the rule it breaks.
    init(arguments: [String], configPath: String?, environment: [String: String]) throws(SettingsError) {
        let flags = try FlagValues(arguments)
        let path = configPath ?? environment["COMPD_CONFIG"]
        let file = try path.map { path throws(SettingsError) in try FileValues(path: path) }
        let recorder = OriginRecorder()
        let reader = ConfigReader(
            providers: [
                InMemoryProvider(name: "flags", values: flags.values),
                EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["compd"]),
                InMemoryProvider(name: "file", values: file?.values ?? [:]),
            ],
            accessReporter: recorder)
        let source = SettingReader(reader: reader, recorder: recorder, configPath: path, fileLines: file?.lines ?? [:],
                                   fileListLines: file?.listLines ?? [:])

        var config = BrokerConfig()
        if let data: Text = try source.value(.data, valid: { !$0.value.isEmpty }) { config.dataDirectory = data.value }
        if let listen = try source.list(.listen) { config.listenAddresses = listen }
        if let events: Text = try source.value(.events, valid: { !$0.value.isEmpty }) {
            config.eventsAddress = events.value == "off" ? nil : events.value
        }
        let profile: Profile? = try source.value(.profile)
        config.profile = profile?.profile ?? .standard
        // The small profile has no HTTP side unless --http (or its variable or file line) asks for one.
        var http: HTTPAddress? = config.profile.servesHTTPByDefault ? HTTPAddress.defaultAddress : nil
        if let text: Text = try source.value(.http, valid: { $0.value == "off" || HTTPAddress($0.value) != nil }) {
            http = text.value == "off" ? nil : HTTPAddress(text.value)
        }
        var warnings: [String] = []
        let metricsPublic: Flag? = try source.value(.metricsPublic)
        if let path: Text = try source.value(.httpTokens), !path.value.isEmpty {  // empty: no tokens file
            let file: TokenFile
            do { file = try TokenFile(path: path.value) } catch {
                throw SettingsError("invalid http-tokens file \(error)")
            }
            if file.table.entries.isEmpty {
                warnings.append("HTTP tokens file \(path.value) holds no tokens: every HTTP request but the probes is refused")
            }
            if let warning = TokenFile.permissionWarning(path: path.value) { warnings.append(warning) }
            access = .tokens(path: path.value, file: file, metricsPublic: metricsPublic?.value ?? false)
        } else {
            if let http, !http.isLoopback {
                throw SettingsError("""
                    refusing http \(http): not a loopback address. Without --http-tokens, compd serves HTTP only \
                    on loopback (127.0.0.0/8, ::1, localhost); use --http 127.0.0.1:PORT, --http off, or give \
                    --http-tokens FILE
                    """)
            }
            access = .local()
        }
        self.http = http
        self.warnings = warnings
        notifiers = try source.notifiers(environment: environment)
        consoleURL = try source.consoleURL(http: http)
        if let sync: Sync = try source.value(.sync) { config.sync = sync.mode }
        var spec = config.defaultSpec
        if let retries: Integer = try source.value(.maxRetries, valid: { (0...RetrySpec.maxRetriesLimit).contains($0.value) }) {
            spec.maxRetries = retries.value
        }
        let spanRange = TimeSpan.zero...RetrySpec.spanLimit
        let minBackoff: Span? = try source.value(.minBackoff, valid: { spanRange.contains($0.span) })
        let maxBackoff: Span? = try source.value(.maxBackoff, valid: { spanRange.contains($0.span) })
        if let minBackoff {
            spec.minBackoff = minBackoff.span
            if maxBackoff == nil, spec.maxBackoff < spec.minBackoff { spec.maxBackoff = spec.minBackoff }
        }
        if let maxBackoff {
            guard maxBackoff.span >= spec.minBackoff else { throw source.invalid(.maxBackoff) }
            spec.maxBackoff = maxBackoff.span
        }
        if let timeout: Span = try source.value(.executionTimeout, valid: { (TimeSpan(milliseconds: 1)...RetrySpec.spanLimit).contains($0.span) }) {
            spec.executionTimeout = timeout.span
        }
        if let jitter: Integer = try source.value(.jitter, valid: { (0...1000).contains($0.value) }) { spec.jitterPermille = jitter.value }
        config.defaultSpec = spec
        if let inFlight: Integer = try source.value(.inFlight, valid: { $0.value >= 1 }) { config.inFlightPerService = inFlight.value }
        if let bytes: Integer = try source.value(.maxFrameBytes, valid: { (BrokerConfig.minFrameBytes...WireLimits.maxFrameBytes).contains($0.value) }) {
            config.maxFrameBytes = bytes.value
        }
        if let retention: Span = try source.value(.retention, valid: { $0.span >= .seconds(24 * 3600) }) { config.retention = retention.span }
        if let mode: Mode = try source.value(.auth) { config.auth = mode.mode }
        if let window: Span = try source.value(.authWindow, valid: { $0.span >= .seconds(1) && $0.span <= .seconds(3600) }) {
            config.authWindow = window.span
        }
        let insecure: Flag? = try source.value(.insecure)
        if config.auth == .off, insecure?.value != true,
           // Malformed addresses are left to the bind, which names the forms expected.
           let exposed = config.listenAddresses.first(where: {
               TransportAddress.problem(with: $0) == nil && !ListenAddress.isLocal(TransportAddress.normalized($0))
           }) {
            throw SettingsError("""
                refusing --listen \(exposed) with --auth off: it is not a loopback or ipc address, and anyone who \
                reaches it could report, fetch and discard for every service. Use --auth required (or optional) \
                with keys (compd keys create), or say --insecure to serve it without keys
                """)
        }
        let level: Level? = try source.value(.logLevel)
        let format: Format? = try source.value(.logFormat)
        do { try config.validate() } catch { throw SettingsError("\(error)") }
        broker = config
        logLevel = level?.level ?? .info
        logFormat = format?.format ?? .text
        let known = Set(Setting.allCases.map(\.environmentName)).union(["COMPD_CONFIG"])
        unknownVariables = environment.keys.filter { $0.hasPrefix("COMPD_") && !known.contains($0) }.sorted()
    }
}

/// Typed reads of settings from the reader, each failure reported with the value, its origin and the
/// setting's rule.
struct SettingReader {
    let reader: ConfigReader
    let recorder: OriginRecorder
    let configPath: String?
    let fileLines: [Setting: Int]
    /// The line of each value of a list setting in the config file.
    var fileListLines: [Setting: [Int]] = [:]

    /// The setting's value converted by swift-configuration to `Value`, nil when no provider sets it.
    ///
    /// - Throws: `SettingsError` when the value does not convert or `valid` refuses it.
    func value<Value: ExpressibleByConfigString>(_ setting: Setting, valid: (Value) -> Bool = { _ in true }) throws(SettingsError) -> Value? {
        let value = reader.string(forKey: ConfigKey(setting.key.components), as: Value.self)
        guard recorder.answer(for: setting) != nil else { return nil }
        guard let value, valid(value) else { throw invalid(setting) }
        return value
    }

    /// A list setting: nil when no provider sets it.
    ///
    /// - Throws: `SettingsError` when the list is empty or holds an empty address.
    func list(_ setting: Setting) throws(SettingsError) -> [String]? {
        let values = reader.stringArray(forKey: ConfigKey(setting.key.components))
        guard recorder.answer(for: setting) != nil else { return nil }
        guard let values, !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else { throw invalid(setting) }
        return values
    }

    /// The error for the value that answered for `setting`.
    func invalid(_ setting: Setting) -> SettingsError {
        guard let answer = recorder.answer(for: setting) else {
            return SettingsError("\(setting.rawValue) must be \(setting.rule)")
        }
        let origin: SettingOrigin = switch answer.provider {
        case 0: .flag
        case 1: .environment
        default: .file(path: configPath ?? "", line: fileLines[setting] ?? 0)
        }
        return SettingsError("invalid \(setting.rawValue) `\(answer.text)` (from \(origin.describe(setting))): must be \(setting.rule)")
    }
}

/// A string setting.
private struct Text: ExpressibleByConfigString {
    let value: String
    init?(configString: String) { value = configString }
    var description: String { value }
}

/// An integer setting (decimal digits, optionally signed).
private struct Integer: ExpressibleByConfigString {
    let value: Int
    init?(configString: String) {
        guard let value = Int(configString.trimmingCharacters(in: .whitespaces)) else { return nil }
        self.value = value
    }
    var description: String { "\(value)" }
}

/// A duration setting, written as compctl and the protocol's tools write durations.
private struct Span: ExpressibleByConfigString {
    let span: TimeSpan
    init?(configString: String) {
        guard let ms = DurationText.milliseconds(configString), ms <= UInt64(Int64.max) else { return nil }
        span = .milliseconds(Int64(ms))
    }
    var description: String { DurationText.format(milliseconds: UInt64(span.milliseconds)) }
}

/// A yes/no setting: `true` or `false`, any case.
private struct Flag: ExpressibleByConfigString {
    let value: Bool
    init?(configString: String) {
        switch configString.lowercased() {
        case "true": value = true
        case "false": value = false
        default: return nil
        }
    }
    var description: String { "\(value)" }
}

/// An auth mode: off, optional or required.
private struct Mode: ExpressibleByConfigString {
    let mode: AuthMode
    init?(configString: String) {
        guard let mode = AuthMode(rawValue: configString.lowercased()) else { return nil }
        self.mode = mode
    }
    var description: String { mode.rawValue }
}

/// A log level, any case.
private struct Level: ExpressibleByConfigString {
    let level: Logger.Level
    init?(configString: String) {
        guard let level = Logger.Level(rawValue: configString.lowercased()) else { return nil }
        self.level = level
    }
    var description: String { level.rawValue }
}

/// A log format, any case.
private struct Format: ExpressibleByConfigString {
    let format: LogFormat
    init?(configString: String) {
        guard let format = LogFormat(rawValue: configString.lowercased()) else { return nil }
        self.format = format
    }
    var description: String { format.rawValue }
}

/// A memory profile, any case.
private struct Profile: ExpressibleByConfigString {
    let profile: BrokerProfile
    init?(configString: String) {
        guard let profile = BrokerProfile(rawValue: configString.lowercased()) else { return nil }
        self.profile = profile
    }
    var description: String { profile.rawValue }
}

/// A sync mode, any case.
private struct Sync: ExpressibleByConfigString {
    let mode: SyncMode
    init?(configString: String) {
        guard let mode = SyncMode(rawValue: configString.lowercased()) else { return nil }
        self.mode = mode
    }
    var description: String { mode.rawValue }
}

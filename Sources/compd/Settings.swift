import ArgumentParser
import CompBroker
import CompJournal
import CompModel
import CompWire
import Foundation
import Logging

/// The merged view of flags, environment and config file, in that order of precedence.
struct Settings {
    private var values: [String: String] = [:]
    private var listen: [String] = []

    static let names = [
        "data", "listen", "events", "sync", "max-retries", "min-backoff", "max-backoff",
        "execution-timeout", "jitter", "in-flight", "max-frame-bytes", "retention", "log-level",
    ]

    init(flags: Compd, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let configPath = flags.config ?? environment["COMPD_CONFIG"]
        if let configPath { values = try Self.readConfig(configPath) }
        for name in Self.names {
            let variable = "COMPD_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[variable] { values[name] = value }
        }
        let flagValues: [String: String?] = [
            "data": flags.data, "events": flags.events, "sync": flags.sync,
            "max-retries": flags.maxRetries, "min-backoff": flags.minBackoff,
            "max-backoff": flags.maxBackoff, "execution-timeout": flags.executionTimeout,
            "jitter": flags.jitter, "in-flight": flags.inFlight, "max-frame-bytes": flags.maxFrameBytes,
            "retention": flags.retention, "log-level": flags.logLevel,
        ]
        for (name, value) in flagValues { if let value { values[name] = value } }
        if !flags.listen.isEmpty {
            listen = flags.listen
        } else if let joined = values["listen"] {
            listen = joined.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Reads `name = value` lines; `#` starts a comment.
    static func readConfig(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read config file \(path)")
        }
        var result: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, names.contains(parts[0]) else {
                throw ValidationError("\(path):\(number + 1): expected `name = value` with a known name, got `\(trimmed)`")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    func logLevel() throws -> Logger.Level {
        guard let text = values["log-level"] else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    func brokerConfig() throws -> BrokerConfig {
        var config = BrokerConfig()
        if let data = values["data"] { config.dataDirectory = data }
        if !listen.isEmpty { config.listenAddresses = listen }
        if let events = values["events"] { config.eventsAddress = events == "off" ? nil : events }
        if let sync = values["sync"] {
            guard let mode = SyncMode(rawValue: sync.lowercased()) else { throw ValidationError("sync must be full or normal") }
            config.sync = mode
        }
        var spec = config.defaultSpec
        if let text = values["max-retries"] { spec.maxRetries = try integer("max-retries", text) }
        if let text = values["min-backoff"] {
            spec.minBackoff = try span("min-backoff", text)
            if values["max-backoff"] == nil, spec.maxBackoff < spec.minBackoff { spec.maxBackoff = spec.minBackoff }
        }
        if let text = values["max-backoff"] { spec.maxBackoff = try span("max-backoff", text) }
        if let text = values["execution-timeout"] { spec.executionTimeout = try span("execution-timeout", text) }
        if let text = values["jitter"] { spec.jitterPermille = try integer("jitter", text) }
        config.defaultSpec = spec
        if let text = values["in-flight"] { config.inFlightPerService = try integer("in-flight", text) }
        if let text = values["max-frame-bytes"] { config.maxFrameBytes = try integer("max-frame-bytes", text) }
        if let text = values["retention"] { config.retention = try span("retention", text) }
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        return config
    }

    private func integer(_ name: String, _ text: String) throws -> Int {
        guard let value = Int(text) else { throw ValidationError("\(name) must be an integer, got `\(text)`") }
        return value
    }

    private func span(_ name: String, _ text: String) throws -> TimeSpan {
        guard let ms = DurationText.milliseconds(text), ms <= UInt64(Int64.max) else {
            throw ValidationError("\(name) must be a duration like 250ms, 3s, 5m, 2h, got `\(text)`")
        }
        return .milliseconds(Int64(ms))
    }
}

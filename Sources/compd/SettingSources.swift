import Configuration
import Foundation
import Synchronization

/// Why compd's settings could not be read; each message names the setting, the value, where it came
/// from and the rule. compd prints it and exits with 64 (EX_USAGE).
struct SettingsError: Error, CustomStringConvertible, Equatable {
    let description: String

    init(_ description: String) { self.description = description }
}

/// Where a setting's value came from.
enum SettingOrigin: Equatable {
    case flag
    case environment
    case file(path: String, line: Int)

    /// The source as the user wrote it, e.g. `COMPD_JITTER` or `compd.conf:4`.
    func describe(_ setting: Setting) -> String {
        switch self {
        case .flag: "option \(setting.flag)"
        case .environment: "environment variable \(setting.environmentName)"
        case .file(let path, let line): "config file \(path), line \(line)"
        }
    }
}

/// Values given on the command line, read into swift-configuration's in-memory form. Every name must
/// be a `Setting`; every option takes one value (`--name value` or `--name=value`); only `--listen`
/// and `--notify` may repeat.
struct FlagValues {
    private(set) var values: [AbsoluteConfigKey: ConfigValue] = [:]

    /// - Parameter arguments: the arguments compd's parser did not consume itself.
    /// - Throws: `SettingsError` naming the unknown option, the option without a value, the repeated
    ///   option or the stray argument.
    init(_ arguments: [String]) throws(SettingsError) {
        var lists: [Setting: [String]] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                throw SettingsError("unexpected argument `\(argument)`: settings are given as --name value (see compd --help)")
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            guard let setting = Setting(rawValue: name) else {
                throw SettingsError("unknown option --\(name) (see compd --help for the options)")
            }
            let value: String
            if body.contains("=") {
                value = String(body.drop { $0 != "=" }.dropFirst())
            } else if setting == .insecure, index == arguments.count || arguments[index].hasPrefix("--") {
                value = "true"  // `--insecure` alone
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw SettingsError("option \(setting.flag) needs a value: \(setting.rule)")
                }
                value = arguments[index]
                index += 1
            }
            if setting.isList {
                lists[setting, default: []] += setting.values(value)
            } else {
                guard values[setting.key] == nil else {
                    throw SettingsError("option \(setting.flag) is given twice; only --listen and --notify may repeat")
                }
                values[setting.key] = ConfigValue(.string(value), isSecret: false)
            }
        }
        for (setting, list) in lists { values[setting.key] = ConfigValue(.stringArray(list), isSecret: false) }
    }
}

/// A config file of `name = value` lines read into swift-configuration's in-memory form. `#` starts
/// a comment; names are the long options without dashes, with `-` or `_` between words; `listen`
/// may repeat (or hold addresses separated by commas), and so may `notify` (one notifier a line); an
/// unknown name is refused.
struct FileValues {
    private(set) var values: [AbsoluteConfigKey: ConfigValue] = [:]
    /// The line each setting was read from, for error messages (a list setting: its first line).
    private(set) var lines: [Setting: Int] = [:]
    /// The line of each value of a list setting, in order.
    private(set) var listLines: [Setting: [Int]] = [:]

    /// Parses `text`, the contents of `path`.
    ///
    /// - Throws: `SettingsError` naming the file, the line and what is wrong with it.
    init(text: String, path: String) throws(SettingsError) {
        var lists: [Setting: [String]] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = (rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw SettingsError("\(path):\(number): expected `name = value`, got `\(line)`")
            }
            guard let setting = Setting(spelling: parts[0]) else {
                let known = Setting.allCases.map(\.rawValue).joined(separator: ", ")
                throw SettingsError("\(path):\(number): unknown setting `\(parts[0])` (known: \(known))")
            }
            if setting.isList {
                let values = setting.values(parts[1])
                lists[setting, default: []] += values
                listLines[setting, default: []] += Array(repeating: number, count: values.count)
                if lines[setting] == nil { lines[setting] = number }
            } else {
                if let first = lines[setting] {
                    throw SettingsError("\(path):\(number): `\(setting.rawValue)` is already set on line \(first); only listen and notify may repeat")
                }
                values[setting.key] = ConfigValue(.string(parts[1]), isSecret: false)
                lines[setting] = number
            }
        }
        for (setting, list) in lists { values[setting.key] = ConfigValue(.stringArray(list), isSecret: false) }
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: `SettingsError` when the file cannot be read or a line is wrong.
    init(path: String) throws(SettingsError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file"
            throw SettingsError("cannot read config file \(path): \(reason)")
        }
        try self.init(text: text, path: path)
    }
}

extension Setting {
    /// The values one option or file line of a list setting gives: split on commas for `listen`, whole
    /// (trimmed) for `notify`.
    func values(_ text: String) -> [String] {
        guard splitsOnCommas else { return [text.trimmingCharacters(in: .whitespaces)] }
        return text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The setting's configuration key (one component, e.g. `max-retries`).
    var key: AbsoluteConfigKey { AbsoluteConfigKey([rawValue]) }

    /// The setting a configuration key names.
    init?(key: AbsoluteConfigKey) {
        guard key.components.count == 1 else { return nil }
        self.init(rawValue: key.components[0])
    }
}

/// Remembers, for every setting read, which provider answered and with what text, so that an invalid
/// value can be reported with its origin. The reader reports each access synchronously.
final class OriginRecorder: AccessReporter {
    private let answers = Mutex<[Setting: (provider: Int, text: String)]>([:])

    func report(_ event: AccessEvent) {
        guard let setting = Setting(key: event.metadata.key) else { return }
        for (index, result) in event.providerResults.enumerated() {
            guard case .success(let lookup) = result.result, let value = lookup.value else { continue }
            let text: String = switch value.content {
            case .string(let string): string
            case .stringArray(let strings): strings.joined(separator: ",")
            default: "\(value.content)"
            }
            answers.withLock { $0[setting] = (index, text) }
            return
        }
    }

    /// The index of the provider that answered for `setting`, and its text; nil when none did.
    func answer(for setting: Setting) -> (provider: Int, text: String)? {
        answers.withLock { $0[setting] }
    }
}

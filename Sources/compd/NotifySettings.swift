import CompHTTP
import CompNotify
import Configuration
import Foundation

extension SettingReader {
    /// The notifiers of `notify`: every `--notify` option and every `notify = ...` line of the config file
    /// (one notifier each, never split on commas), or the one notifier of `COMPD_NOTIFY`. An empty value
    /// (`notify =` in compd.conf.example) adds none.
    ///
    /// - Parameter environment: the process environment (`COMPD_NOTIFY` is taken whole).
    /// - Throws: `SettingsError` naming the setting, where the value came from and the part to fix
    ///   (the URL is never repeated: it can hold a secret); or two notifiers with one name.
    func notifiers(environment: [String: String]) throws(SettingsError) -> [NotifierConfig] {
        let values = reader.stringArray(forKey: ConfigKey(Setting.notify.key.components))
        guard let answer = recorder.answer(for: .notify) else { return [] }
        let texts: [String]
        let origins: [String]
        switch answer.provider {
        case 0:
            texts = values ?? []
            origins = texts.indices.map { index in
                texts.count == 1 ? "option --notify" : "option --notify, the \(Self.ordinal(index + 1))"
            }
        case 1:
            texts = [environment[Setting.notify.environmentName] ?? answer.text]
            origins = ["environment variable \(Setting.notify.environmentName)"]
        default:
            texts = values ?? []
            let lines = fileListLines[.notify] ?? []
            origins = texts.indices.map { index in
                "config file \(configPath ?? ""), line \(index < lines.count ? lines[index] : 0)"
            }
        }
        var notifiers: [NotifierConfig] = []
        var origin: [String: String] = [:]
        for (text, from) in zip(texts, origins) where !text.trimmingCharacters(in: .whitespaces).isEmpty {
            let notifier: NotifierConfig
            do {
                notifier = try NotifierConfig.parse(text)
            } catch {
                throw SettingsError("invalid notify (from \(from)): \(error)")
            }
            if let first = origin[notifier.name] {
                throw SettingsError("""
                    invalid notify (from \(from)): a notifier named `\(notifier.name)` is already given (from \(first)); \
                    give one of them a name of its own with name=NAME
                    """)
            }
            origin[notifier.name] = from
            notifiers.append(notifier)
        }
        return notifiers
    }

    /// The console's base URL for links: `console-url` (without a trailing `/`), else (also when empty)
    /// `http://` and the HTTP address, else empty (HTTP off).
    ///
    /// - Throws: `SettingsError` when `console-url` is not an http:// or https:// URL with a host.
    func consoleURL(http: HTTPAddress?) throws(SettingsError) -> String {
        if let text: ConsoleURL = try value(.consoleURL, valid: { $0.url.isEmpty || $0.isValid }), !text.url.isEmpty {
            return text.url
        }
        return http.map { "http://\($0)" } ?? ""
    }

    /// `1st`, `2nd`, `3rd`, `4th`, ...
    private static func ordinal(_ number: Int) -> String {
        let suffix = (11...13).contains(number % 100) ? "th" : ["th", "st", "nd", "rd"][number % 10 < 4 ? number % 10 : 0]
        return "\(number)\(suffix)"
    }
}

/// The `console-url` setting: an http:// or https:// URL with a host, kept without a trailing `/`.
private struct ConsoleURL: ExpressibleByConfigString {
    let url: String
    let isValid: Bool

    init?(configString: String) {
        var text = configString.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        url = text
        let components = URLComponents(string: text)
        let scheme = components?.scheme?.lowercased()
        isValid = (scheme == "http" || scheme == "https") && !(components?.host ?? "").isEmpty
            && components?.query == nil && components?.fragment == nil
    }

    var description: String { url }
}

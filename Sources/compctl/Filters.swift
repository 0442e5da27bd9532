import ArgumentParser
import CompModel
import CompWire
import Foundation

/// Filter options shared by `list` and every action on executions, except how the recoverable filter is
/// spelled (`mark` has flags of that name): see `FilterOptions` and `MarkFilterOptions`.
struct SharedFilterOptions: ParsableArguments {
    @Option(help: "FAILED, PREPARED, SUCCEEDED, PARKED, DISCARDED; repeat or comma-separate.")
    var status: [String] = []
    @Option(help: "Park reason: exhausted, unrecoverable, deadline, manual.") var reason: String?
    @Option var service: String?
    @Option var processor: String?
    @Option var function: String?
    @Option(name: .customLong("event-id")) var eventId: String?
    @Option(name: .customLong("correlation-id")) var correlationId: String?
    @Option(name: .customLong("error-code")) var errorCode: String?
    @Option(help: "Created at or after: an RFC 3339 time (2026-11-30T06:00:00Z) or a duration ago (1h, 30m, 2h45m).")
    var since: String?
    @Option(help: "Created before: an RFC 3339 time or a duration ago.") var until: String?
    @Flag(help: "Only FAILED executions due now (their next retry has come).") var due = false

    var isEmpty: Bool {
        status.isEmpty && reason == nil && service == nil && processor == nil && function == nil
            && eventId == nil && correlationId == nil && errorCode == nil && since == nil && until == nil && !due
    }

    /// The wire filter, with times relative to `now` (ms since the epoch).
    func filter(recoverable: String?, option: String, now: Int64) throws -> Filter {
        var statuses: [UInt8] = []
        for name in status.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let code = Names.statusCode(name) else {
                throw ValidationError("unknown status `\(name)`; use FAILED, PREPARED, SUCCEEDED, PARKED or DISCARDED")
            }
            statuses.append(code)
        }
        var reasonCode: UInt8?
        if let reason {
            guard let code = Names.reasonCode(reason) else {
                throw ValidationError("unknown reason `\(reason)`; use exhausted, unrecoverable, deadline or manual")
            }
            reasonCode = code
        }
        var hint: UInt8?
        if let recoverable {
            guard let code = Names.recoverabilityCode(recoverable) else {
                throw ValidationError("\(option) must be unknown, recoverable or unrecoverable; got `\(recoverable)`")
            }
            hint = code
        }
        let after = try since.map { try TimeArgument.milliseconds($0, option: "--since", now: now) }
        let before = try until.map { try TimeArgument.milliseconds($0, option: "--until", now: now) }
        if let after, let before, after >= before {
            throw ValidationError("--since must be before --until (\(Names.time(after)) is not before \(Names.time(before)))")
        }
        return Filter(
            statuses: statuses, parkReason: reasonCode, service: service, processor: processor,
            function: function, eventId: eventId, correlationId: correlationId, errorCode: errorCode,
            recoverable: hint, createdAfter: after, createdBefore: before, nextRetryBefore: due ? now : nil)
    }
}

/// What a command's filter options give: the wire filter, and whether any was set.
protocol FilterSource: ParsableArguments {
    /// No filter option was given.
    var isEmpty: Bool { get }
    /// The wire filter, with relative times taken from `now` (ms since the epoch).
    func filter(now: Int64) throws -> Filter
}

extension FilterSource {
    /// The wire filter at the current time.
    func filter() throws -> Filter { try filter(now: Int64(Date().timeIntervalSince1970 * 1000)) }
}

/// The filter options of `list` and the actions other than `mark`, with `--recoverable VALUE`.
struct FilterOptions: FilterSource {
    @OptionGroup var shared: SharedFilterOptions
    @Option(help: "Recoverable hint or mark: unknown, recoverable, unrecoverable.") var recoverable: String?

    func validate() throws { _ = try filter() }
    var isEmpty: Bool { shared.isEmpty && recoverable == nil }
    func filter(now: Int64) throws -> Filter { try shared.filter(recoverable: recoverable, option: "--recoverable", now: now) }
}

/// The filter options of `mark`, whose `--recoverable` and `--unrecoverable` are the mark itself: the
/// recoverable filter is `--recoverability VALUE` there.
struct MarkFilterOptions: FilterSource {
    @OptionGroup var shared: SharedFilterOptions
    @Option(help: "Filter by the recoverable hint or mark: unknown, recoverable, unrecoverable.") var recoverability: String?

    func validate() throws { _ = try filter() }
    var isEmpty: Bool { shared.isEmpty && recoverability == nil }
    func filter(now: Int64) throws -> Filter {
        try shared.filter(recoverable: recoverability, option: "--recoverability", now: now)
    }
}

/// Target options: one execution id, or a filter.
struct TargetOptions<Filters: FilterSource>: ParsableArguments {
    @Argument(help: "The execution id (or use filter options).") var id: Int64?
    @OptionGroup var filter: Filters

    func validate() throws {
        if id != nil, !filter.isEmpty { throw ValidationError("give an execution id or filter options, not both") }
        if id == nil, filter.isEmpty { throw ValidationError("give an execution id or at least one filter option") }
    }

    func target() throws -> ActionTarget {
        if let id { return .execution(id) }
        return .filter(try filter.filter())
    }
}

/// `--since` and `--until` values: an RFC 3339 time, or a Go-style duration meaning that long ago.
enum TimeArgument {
    /// The time `text` names, in ms since the epoch.
    ///
    /// - Throws: `ValidationError` naming `option` when `text` is neither form.
    static func milliseconds(_ text: String, option: String, now: Int64) throws -> Int64 {
        if let span = DurationText.milliseconds(text), span <= UInt64(Int64.max) {
            return now - Int64(span)
        }
        if let date = rfc3339(text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        throw ValidationError(
            "\(option) must be an RFC 3339 time (2026-11-30T06:00:00Z, 2026-11-30T07:00:00.250+01:00) or a duration ago (1h, 30m, 2h45m); got `\(text)`")
    }

    /// Parses RFC 3339 with or without fractional seconds.
    private static func rfc3339(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// Who compctl says is acting: `compctl:` and the OS user (from the password database, else `$USER`).
enum Actor {
    static var current: String {
        var name: String?
        if let entry = getpwuid(geteuid()), let raw = entry.pointee.pw_name {
            name = String(validatingCString: raw)
        }
        if name?.isEmpty ?? true { name = ProcessInfo.processInfo.environment["USER"] }
        return clip("compctl:" + (name.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"))
    }

    /// The longest prefix of whole characters within the protocol's actor limit.
    static func clip(_ text: String) -> String {
        var result = ""
        var bytes = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            guard bytes + size <= WireLimits.maxActorBytes else { break }
            bytes += size
            result.unicodeScalars.append(scalar)
        }
        return result
    }
}

import ArgumentParser
import CompClient
import CompWire
import Foundation

/// Filter options shared by `list` and the bulk actions.
struct FilterOptions: ParsableArguments {
    @Option(help: "FAILED, PREPARED, SUCCEEDED, PARKED, DISCARDED; repeat or comma-separate.")
    var status: [String] = []
    @Option(help: "Park reason: exhausted, unrecoverable, deadline, manual.") var reason: String?
    @Option var service: String?
    @Option var processor: String?
    @Option var function: String?
    @Option(name: .customLong("event-id")) var eventId: String?
    @Option(name: .customLong("correlation-id")) var correlationId: String?
    @Option(name: .customLong("error-code")) var errorCode: String?

    func validate() throws { _ = try filter() }

    var isEmpty: Bool {
        status.isEmpty && reason == nil && service == nil && processor == nil && function == nil
            && eventId == nil && correlationId == nil && errorCode == nil
    }

    func filter() throws -> Filter {
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
        return Filter(
            statuses: statuses, parkReason: reasonCode, service: service, processor: processor,
            function: function, eventId: eventId, correlationId: correlationId, errorCode: errorCode)
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List executions, newest first.")
    @OptionGroup var filter: FilterOptions
    @Option(help: "At most this many (1...1000).") var limit = 100
    @Option(help: "Continue after this cursor (printed by the previous page).") var cursor: Int64 = 0
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be in 1...1000") }
        guard cursor >= 0 else {
            throw ValidationError("--cursor must be 0 (the first page) or a cursor printed by the previous page; got \(cursor)")
        }
    }

    func run() throws {
        try guarded {
            let page = try AdminClient(connection: try connection.connect())
                .list(try filter.filter(), cursor: cursor, limit: limit)
            if connection.json {
                printJSON(page.executions.map { ExecutionJSON($0) })
            } else {
                page.executions.forEach { print(line($0)) }
                if page.nextCursor != 0 { print("more: --cursor \(page.nextCursor)") }
            }
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one execution, its error and its history.")
    @Argument(help: "The execution id.") var id: Int64
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try guarded {
            let shown = try AdminClient(connection: try connection.connect()).show(id)
            if connection.json {
                struct ShowJSON: Encodable {
                    let execution: ExecutionJSON
                    let history: [HistoryJSON]
                }
                printJSON(ShowJSON(execution: ExecutionJSON(shown.execution, detail: true), history: shown.history.map(HistoryJSON.init)))
            } else {
                let view = shown.execution
                print(line(view))
                print("recoverable: \(Names.recoverable(view.recoverable))\(view.markedByOperator ? " (operator)" : "")")
                print("error: \(view.error.code): \(view.error.message)")
                if !view.error.detail.isEmpty { print(view.error.detail) }
                if let holder = view.leaseHolder, let until = view.leaseUntil {
                    print("lease: \(holder) until \(Names.time(until)) token \(view.leaseToken ?? 0)")
                }
                print("spec: maxRetries=\(view.spec.maxRetries) minBackoff=\(DurationText.format(milliseconds: view.spec.minBackoffMs)) maxBackoff=\(DurationText.format(milliseconds: view.spec.maxBackoffMs)) executionTimeout=\(DurationText.format(milliseconds: view.spec.executionTimeoutMs)) jitter=\(view.spec.jitterPermille)‰")
                print("history:")
                for entry in shown.history { print("  \(entry.seq)  \(Names.time(entry.at))  \(entry.kind)  \(entry.summary)") }
            }
        }
    }
}

/// Target options: one execution id, or a filter.
struct TargetOptions: ParsableArguments {
    @Argument(help: "The execution id (or use filter options).") var id: Int64?
    @OptionGroup var filter: FilterOptions

    func validate() throws {
        if id != nil, !filter.isEmpty { throw ValidationError("give an execution id or filter options, not both") }
        if id == nil, filter.isEmpty { throw ValidationError("give an execution id or at least one filter option") }
    }

    func target() throws -> ActionTarget {
        if let id { return .execution(id) }
        return .filter(try filter.filter())
    }
}

/// Runs one action and prints its result.
func perform(_ action: AdminAction, _ target: ActionTarget, _ connection: ConnectionOptions, verb: String) throws {
    let reply = try AdminClient(connection: try connection.connect()).act(action, on: target)
    if connection.json {
        struct FailureJSON: Encodable {
            let executionId: Int64
            let code: String
            let message: String
        }
        struct ActionJSON: Encodable {
            let matched: UInt32
            let changed: UInt32
            let failures: [FailureJSON]
        }
        printJSON(ActionJSON(
            matched: reply.matched, changed: reply.changed,
            failures: reply.failures.map {
                FailureJSON(executionId: $0.executionId, code: Names.code($0.code), message: $0.message)
            }))
    } else if case .service(let service) = target {
        // pause and resume: the broker counts 1 changed when the service's state changed.
        if reply.changed == 0 {
            print("\(verb): no change (service \(service) was already \(action == .pause ? "paused" : "not paused"))")
        } else {
            print("\(verb): service \(service)")
        }
    } else {
        print("\(verb): \(reply.changed) of \(reply.matched) changed")
        for failure in reply.failures {
            print("  \(failure.executionId): \(Names.code(failure.code)): \(failure.message)")
        }
    }
    if case .execution = target, reply.changed == 0 { throw ExitCode(1) }
}

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make executions due now (also parked ones, for one more attempt).")
    @OptionGroup var target: TargetOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws { try guarded { try perform(.retryNow, try target.target(), connection, verb: "retried") } }
}

struct Discard: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End executions without success.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws { try guarded { try perform(.discard, try target.target(), connection, verb: "discarded") } }
}

struct Park: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hold FAILED executions until an operator retries them.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws { try guarded { try perform(.park, try target.target(), connection, verb: "parked") } }
}

struct Mark: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Mark executions recoverable (unparks) or unrecoverable (parks).")
    @OptionGroup var target: TargetOptions
    @Flag(help: "Retrying can help.") var recoverable = false
    @Flag(help: "Retrying cannot help.") var unrecoverable = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard recoverable != unrecoverable else { throw ValidationError("give exactly one of --recoverable, --unrecoverable") }
    }

    func run() throws {
        try guarded { try perform(.mark(recoverable ? 1 : 2), try target.target(), connection, verb: "marked") }
    }
}

struct ApplySpec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply-spec", abstract: "Change the retry spec of executions and reschedule them.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var spec: SpecOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard try spec.patch() != nil else { throw ValidationError("give at least one spec option") }
    }

    func run() throws {
        try guarded {
            try perform(.applySpec(try spec.patch() ?? RetrySpecPatch()), try target.target(), connection, verb: "applied")
        }
    }
}

struct ChangeFunction: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-function", abstract: "Point executions at another handler function.")
    @OptionGroup var target: TargetOptions
    @Option(name: .customLong("to"), help: "The new function name.") var newFunction: String
    @OptionGroup var connection: ConnectionOptions
    func run() throws {
        try guarded { try perform(.changeFunction(newFunction), try target.target(), connection, verb: "changed") }
    }
}

/// Checks a `--service` name before it goes to the broker.
func validateServiceName(_ service: String) throws { try validateName(service, "--service") }

/// Checks a name option (service, processor, function, event id, error code) before it goes to the
/// broker: not empty, at most the protocol's name length.
func validateName(_ value: String, _ option: String) throws {
    guard !value.isEmpty else { throw ValidationError("\(option) must not be empty") }
    guard value.utf8.count <= WireLimits.maxNameBytes else {
        throw ValidationError("\(option) must be at most \(WireLimits.maxNameBytes) bytes of UTF-8; got \(value.utf8.count)")
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop dispatching a service's retries.")
    @Option var service: String
    @OptionGroup var connection: ConnectionOptions
    func validate() throws { try validateServiceName(service) }
    func run() throws { try guarded { try perform(.pause, .service(service), connection, verb: "paused") } }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume dispatching a service's retries.")
    @Option var service: String
    @OptionGroup var connection: ConnectionOptions
    func validate() throws { try validateServiceName(service) }
    func run() throws { try guarded { try perform(.resume, .service(service), connection, verb: "resumed") } }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Counts per status and dispatch state per service.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try guarded {
            let stats = try AdminClient(connection: try connection.connect()).stats()
            if connection.json {
                struct CountJSON: Encodable {
                    let status: String
                    let parkReason: String?
                    let count: UInt64
                }
                struct ServiceJSON: Encodable {
                    let service: String
                    let paused: Bool
                    let inFlight: UInt32
                    let waitingFetches: UInt32
                }
                struct StatsJSON: Encodable {
                    let counts: [CountJSON]
                    let services: [ServiceJSON]
                    let recordsAccepted, recordsDuplicate, recordsStale, recordsRejected, successesNotHeld: UInt64
                    let commandsDispatched, leasesExpired, uptimeMs: UInt64
                }
                printJSON(StatsJSON(
                    counts: stats.counts.map { CountJSON(status: Names.status($0.status), parkReason: Names.reason($0.parkReason), count: $0.count) },
                    services: stats.services.map { ServiceJSON(service: $0.service, paused: $0.paused, inFlight: $0.inFlight, waitingFetches: $0.waitingFetches) },
                    recordsAccepted: stats.recordsAccepted, recordsDuplicate: stats.recordsDuplicate,
                    recordsStale: stats.recordsStale, recordsRejected: stats.recordsRejected,
                    successesNotHeld: stats.successesNotHeld, commandsDispatched: stats.commandsDispatched,
                    leasesExpired: stats.leasesExpired, uptimeMs: stats.uptimeMs))
            } else {
                for count in stats.counts {
                    print("\(Names.status(count.status))\(Names.reason(count.parkReason).map { "(\($0))" } ?? ""): \(count.count)")
                }
                for service in stats.services {
                    print("service \(service.service): \(service.paused ? "paused" : "active"), in flight \(service.inFlight), waiting fetches \(service.waitingFetches)")
                }
                print("records: accepted \(stats.recordsAccepted), duplicate \(stats.recordsDuplicate), stale \(stats.recordsStale), rejected \(stats.recordsRejected), successes not held \(stats.successesNotHeld)")
                print("commands dispatched \(stats.commandsDispatched), leases expired \(stats.leasesExpired), uptime \(DurationText.format(milliseconds: stats.uptimeMs / 1000 * 1000))")
            }
        }
    }
}

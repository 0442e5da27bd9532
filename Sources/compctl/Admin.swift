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
    static let configuration = CommandConfiguration(
        abstract: "List executions, newest first.",
        discussion: "RETRIES/MAX: attempts made so far / retries allowed after the first failure (the spec's maxRetries).")
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
                struct PageJSON: Encodable {
                    let executions: [ExecutionJSON]
                    /// The `--cursor` of the next page, or nil on the last page.
                    let nextCursor: Int64?

                    func encode(to encoder: Encoder) throws {
                        var container = encoder.container(keyedBy: CodingKeys.self)
                        try container.encode(executions, forKey: .executions)
                        try container.encode(nextCursor, forKey: .nextCursor)
                    }

                    private enum CodingKeys: String, CodingKey { case executions, nextCursor }
                }
                printJSON(PageJSON(executions: page.executions.map { ExecutionJSON($0) },
                                   nextCursor: page.nextCursor == 0 ? nil : page.nextCursor))
            } else if page.executions.isEmpty {
                print("no executions match")
            } else {
                print(table(page.executions))
                print("RETRIES/MAX: attempts made / retries allowed after the first failure")
                if page.nextCursor != 0 { print("more: --cursor \(page.nextCursor)") }
            }
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one execution, its error, its payload and its history.",
        discussion: "The payload prints as text when it is UTF-8, else as hex; --payload-out writes its bytes to a file.")
    @Argument(help: "The execution id.") var id: Int64
    @Option(name: .customLong("payload-out"), help: "Write the payload's bytes to this file.") var payloadOut: String?
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try guarded {
            let admin = AdminClient(connection: try connection.connect())
            let shown: ShowReply
            do {
                shown = try admin.show(id, withPayload: true)
            } catch {
                if (error as? ClientError)?.brokerCode == .unknownExecution { throw Failure.notFound(id) }
                throw error
            }
            let payload = shown.payload ?? []
            if let payloadOut {
                guard FileManager.default.createFile(atPath: payloadOut, contents: Data(payload)) else {
                    throw Failure("cannot write the payload to \(payloadOut)")
                }
            }
            if connection.json {
                struct ShowJSON: Encodable {
                    let execution: ExecutionJSON
                    let history: [HistoryJSON]
                    let payload: PayloadJSON
                }
                printJSON(ShowJSON(execution: ExecutionJSON(shown.execution, detail: true),
                                   history: shown.history.map(HistoryJSON.init), payload: PayloadJSON(payload)))
            } else {
                let view = shown.execution
                print(line(view))
                print("recoverable: \(Names.recoverable(view.recoverable))\(view.markedByOperator ? " (operator)" : "")")
                if !view.error.code.isEmpty { print("error: \(view.error.code): \(view.error.message)") }
                if !view.error.detail.isEmpty { print(view.error.detail) }
                if let holder = view.leaseHolder, let until = view.leaseUntil {
                    print("lease: \(holder) until \(Names.time(until)) token \(view.leaseToken ?? 0)")
                }
                print("spec: maxRetries=\(view.spec.maxRetries) minBackoff=\(DurationText.format(milliseconds: view.spec.minBackoffMs)) maxBackoff=\(DurationText.format(milliseconds: view.spec.maxBackoffMs)) executionTimeout=\(DurationText.format(milliseconds: view.spec.executionTimeoutMs)) jitter=\(view.spec.jitterPermille)‰")
                print(PayloadJSON.describe(payload, writtenTo: payloadOut))
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

/// Options of every action on executions.
struct ActionOptions: ParsableArguments {
    /// Above this many matched executions, a filter action asks first (or needs `--yes`).
    static let confirmationThreshold = 100

    @Flag(name: .customLong("dry-run"), help: "List what would change and change nothing.")
    var dryRun = false
    @Flag(help: "Act on more than \(ActionOptions.confirmationThreshold) executions without asking.")
    var yes = false
}

/// How an action is named in messages.
struct Verb {
    /// The past tense, for results (`retried`).
    let done: String
    /// The infinitive, for questions (`retry`).
    let base: String
}

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make executions due now (also parked ones, for one more attempt).",
        discussion: "A leased (PREPARED) execution is refused: its attempt is running. --force fences its lease (the holder's result is then refused as stale, the attempt not counted) and retries it now.")
    @OptionGroup var target: TargetOptions
    @Flag(help: "Also retry leased (PREPARED) executions, fencing their current lease.") var force = false
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws {
        try guarded {
            try perform(.retryNow, try target.target(), connection, options, Verb(done: "retried", base: "retry"), force: force)
        }
    }
}

struct Discard: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End executions without success.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws {
        try guarded { try perform(.discard, try target.target(), connection, options, Verb(done: "discarded", base: "discard")) }
    }
}

struct Park: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hold FAILED executions until an operator retries them.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws {
        try guarded { try perform(.park, try target.target(), connection, options, Verb(done: "parked", base: "park")) }
    }
}

struct Mark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark executions recoverable or unrecoverable.",
        discussion: """
            --unrecoverable parks a FAILED execution. --recoverable unparks an execution parked as \
            unrecoverable; one parked because its retries ran out (exhausted) or its deadline passed \
            stays parked: the mark adds no attempts. Use `retry` for one more attempt, or `apply-spec \
            --max-retries N` to allow more.
            """)
    @OptionGroup var target: TargetOptions
    @Flag(help: "Retrying can help.") var recoverable = false
    @Flag(help: "Retrying cannot help.") var unrecoverable = false
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard recoverable != unrecoverable else { throw ValidationError("give exactly one of --recoverable, --unrecoverable") }
    }

    func run() throws {
        try guarded {
            let target = try target.target()
            let reply = try perform(.mark(recoverable ? 1 : 2), target, connection, options,
                                    Verb(done: "marked \(recoverable ? "recoverable" : "unrecoverable")", base: "mark"),
                                    exitOnResult: false)
            if recoverable, let reply, !connection.json { try explainStillParked(target) }
            if let reply { try exitForResult(reply) }
        }
    }

    /// Says which of the marked executions stay parked, and why.
    private func explainStillParked(_ target: ActionTarget) throws {
        let admin = AdminClient(connection: try connection.connect())
        var views: [ExecutionView] = []
        switch target {
        case .execution(let id): views = [try admin.show(id).execution]
        case .filter(var filter):
            filter.statuses = [4]
            views = try admin.list(filter, limit: 1000).executions
        case .service: return
        }
        let stay = views.filter { $0.status == 4 && $0.parkReason != 2 }
        guard !stay.isEmpty else { return }
        let ids = stay.prefix(10).map { "\($0.id)" }.joined(separator: ", ") + (stay.count > 10 ? ", ..." : "")
        let reasons = Set(stay.compactMap { Names.reason($0.parkReason) }).sorted().joined(separator: ", ")
        print("still PARKED (\(reasons)): \(ids): marking adds no attempts; `compctl retry ID` for one more, or `compctl apply-spec ID --max-retries N` to allow more")
    }
}

struct ApplySpec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply-spec", abstract: "Change the retry spec of executions and reschedule them.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var spec: SpecOptions
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard try spec.patch() != nil else { throw ValidationError("give at least one spec option") }
    }

    func run() throws {
        try guarded {
            try perform(.applySpec(try spec.patch() ?? RetrySpecPatch()), try target.target(), connection, options,
                        Verb(done: "applied", base: "apply the spec to"))
        }
    }
}

struct ChangeFunction: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-function", abstract: "Point executions at another handler function.")
    @OptionGroup var target: TargetOptions
    @Option(name: .customLong("to"), help: "The new function name.") var newFunction: String
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions
    func validate() throws { try validateName(newFunction, "--to") }
    func run() throws {
        try guarded {
            try perform(.changeFunction(newFunction), try target.target(), connection, options,
                        Verb(done: "changed", base: "change the function of"))
        }
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
    func run() throws { try guarded { try performOnService(.pause, service, connection, verb: "paused") } }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume dispatching a service's retries.")
    @Option var service: String
    @OptionGroup var connection: ConnectionOptions
    func validate() throws { try validateServiceName(service) }
    func run() throws { try guarded { try performOnService(.resume, service, connection, verb: "resumed") } }
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

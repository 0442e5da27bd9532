import ArgumentParser
import CompClient
import CompWire
import Foundation

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List executions, newest first (or by next retry).",
        discussion: """
            RETRIES/MAX: attempts made so far / retries allowed after the first failure (the spec's maxRetries). \
            --sort next-retry lists FAILED executions only, the one due first first; its pages continue with \
            --cursor and --cursor-key (both printed).
            """)
    @OptionGroup var filter: FilterOptions
    @Option(help: "newest (default) or next-retry (FAILED only, earliest due first).") var sort = "newest"
    @Option(help: "At most this many (1...1000).") var limit = 100
    @Option(help: "Continue after this cursor (printed by the previous page).") var cursor: Int64 = 0
    @Option(name: .customLong("cursor-key"), help: "With --sort next-retry: the key printed with the cursor.")
    var cursorKey: Int64?
    @OptionGroup var connection: ConnectionOptions

    /// The wire sort of `--sort`.
    var order: ListSort? { ["newest": .newest, "next-retry": .nextRetry][sort] }

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be in 1...1000") }
        guard cursor >= 0 else {
            throw ValidationError("--cursor must be 0 (the first page) or a cursor printed by the previous page; got \(cursor)")
        }
        guard let order else { throw ValidationError("--sort must be newest or next-retry; got `\(sort)`") }
        if order == .nextRetry, cursor > 0, cursorKey == nil {
            throw ValidationError("--sort next-retry with --cursor needs --cursor-key (printed with the cursor)")
        }
        if order == .newest, cursorKey != nil { throw ValidationError("--cursor-key goes with --sort next-retry only") }
    }

    func run() throws {
        try guarded {
            let page = try AdminClient(connection: try connection.connect())
                .list(try filter.filter(), cursor: cursor, limit: limit, sort: order ?? .newest,
                      cursorKey: cursor > 0 ? cursorKey : nil)
            if connection.json {
                struct PageJSON: Encodable {
                    let executions: [ExecutionJSON]
                    /// The `--cursor` of the next page, or nil on the last page.
                    let nextCursor: Int64?
                    /// With `--sort next-retry`: the `--cursor-key` of the next page.
                    let nextCursorKey: Int64?

                    func encode(to encoder: Encoder) throws {
                        var container = encoder.container(keyedBy: CodingKeys.self)
                        try container.encode(executions, forKey: .executions)
                        try container.encode(nextCursor, forKey: .nextCursor)
                        try container.encodeIfPresent(nextCursorKey, forKey: .nextCursorKey)
                    }

                    private enum CodingKeys: String, CodingKey { case executions, nextCursor, nextCursorKey }
                }
                printJSON(PageJSON(executions: page.executions.map { ExecutionJSON($0) },
                                   nextCursor: page.nextCursor == 0 ? nil : page.nextCursor,
                                   nextCursorKey: page.nextCursor == 0 ? nil : page.nextCursorKey))
            } else if page.executions.isEmpty {
                print("no executions match")
            } else {
                print(table(page.executions))
                print("RETRIES/MAX: attempts made / retries allowed after the first failure")
                if page.nextCursor != 0 {
                    print("more: --cursor \(page.nextCursor)\(page.nextCursorKey.map { " --cursor-key \($0)" } ?? "")")
                }
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
                for entry in shown.history { print("  " + historyLine(entry)) }
            }
        }
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
    @OptionGroup var target: TargetOptions<FilterOptions>
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
    @OptionGroup var target: TargetOptions<FilterOptions>
    @OptionGroup var options: ActionOptions
    @OptionGroup var connection: ConnectionOptions
    func run() throws {
        try guarded { try perform(.discard, try target.target(), connection, options, Verb(done: "discarded", base: "discard")) }
    }
}

struct Park: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hold FAILED executions until an operator retries them.")
    @OptionGroup var target: TargetOptions<FilterOptions>
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
    @OptionGroup var target: TargetOptions<MarkFilterOptions>
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
            if recoverable, reply != nil, !connection.json { try explainStillParked(target) }
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
    @OptionGroup var target: TargetOptions<FilterOptions>
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
    @OptionGroup var target: TargetOptions<FilterOptions>
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
                struct CodeJSON: Encodable {
                    let code: String
                    let count: UInt64
                }
                struct SeriesJSON: Encodable {
                    let service: String
                    let counts: [UInt64]
                }
                struct OverviewJSON: Encodable {
                    let bucketMs: UInt64
                    let since: String
                    let series: [SeriesJSON]
                    let topErrorsHour: [CodeJSON]
                    let topErrorsDay: [CodeJSON]
                }
                struct StatsJSON: Encodable {
                    let counts: [CountJSON]
                    let services: [ServiceJSON]
                    let recordsAccepted, recordsDuplicate, recordsStale, recordsRejected, successesNotHeld: UInt64
                    let commandsDispatched, leasesExpired, uptimeMs: UInt64
                    let dueNow: UInt64?
                    let overview: OverviewJSON?
                }
                printJSON(StatsJSON(
                    counts: stats.counts.map { CountJSON(status: Names.status($0.status), parkReason: Names.reason($0.parkReason), count: $0.count) },
                    services: stats.services.map { ServiceJSON(service: $0.service, paused: $0.paused, inFlight: $0.inFlight, waitingFetches: $0.waitingFetches) },
                    recordsAccepted: stats.recordsAccepted, recordsDuplicate: stats.recordsDuplicate,
                    recordsStale: stats.recordsStale, recordsRejected: stats.recordsRejected,
                    successesNotHeld: stats.successesNotHeld, commandsDispatched: stats.commandsDispatched,
                    leasesExpired: stats.leasesExpired, uptimeMs: stats.uptimeMs, dueNow: stats.dueNow,
                    overview: stats.overview.map { overview in
                        OverviewJSON(
                            bucketMs: overview.bucketMs, since: Names.time(overview.since),
                            series: overview.series.map { SeriesJSON(service: $0.service, counts: $0.counts) },
                            topErrorsHour: overview.topErrorsHour.map { CodeJSON(code: $0.code, count: $0.count) },
                            topErrorsDay: overview.topErrorsDay.map { CodeJSON(code: $0.code, count: $0.count) })
                    }))
            } else {
                for count in stats.counts {
                    print("\(Names.status(count.status))\(Names.reason(count.parkReason).map { "(\($0))" } ?? ""): \(count.count)")
                }
                for service in stats.services {
                    print("service \(service.service): \(service.paused ? "paused" : "active"), in flight \(service.inFlight), waiting fetches \(service.waitingFetches)")
                }
                print("records: accepted \(stats.recordsAccepted), duplicate \(stats.recordsDuplicate), stale \(stats.recordsStale), rejected \(stats.recordsRejected), successes not held \(stats.successesNotHeld)")
                print("commands dispatched \(stats.commandsDispatched), leases expired \(stats.leasesExpired), uptime \(DurationText.format(milliseconds: stats.uptimeMs / 1000 * 1000))")
                if let due = stats.dueNow {
                    print("due now: \(due)\(due >= StatsReply.dueNowLimit ? " or more" : "")")
                }
                if let overview = stats.overview { print(StatsText.overview(overview), terminator: "") }
            }
        }
    }
}

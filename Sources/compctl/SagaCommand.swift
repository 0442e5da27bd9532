import ArgumentParser
import CompClient
import CompWire
import Foundation

/// `compctl saga list | show | abort`: the sagas the broker runs, and an operator's abort.
struct SagaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saga", abstract: "List sagas, show one (steps and every record in time order), or abort one.",
        subcommands: [SagaList.self, SagaShow.self, SagaAbort.self])
}

/// `compctl saga list`: one page of sagas, the most recently changed first.
struct SagaList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List sagas, the most recently changed first.",
        discussion: "STEPS: steps the broker knows. Pages continue with --cursor (printed).")
    @Option(help: "Only sagas in this status: RUNNING, COMPLETED, ABORTING, COMPENSATED or STUCK.") var status: String?
    @Option(help: "At most this many (1...1000).") var limit = 100
    @Option(help: "Continue after this cursor (printed by the previous page).") var cursor = ""
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be in 1...1000") }
        if let status, SagaNames.statusCode(status) == nil {
            throw ValidationError("--status must be one of RUNNING, COMPLETED, ABORTING, COMPENSATED, STUCK; got `\(status)`")
        }
        guard cursor.utf8.count <= WireLimits.maxMessageBytes else {
            throw ValidationError("--cursor must be a cursor printed by the previous page")
        }
    }

    func run() throws {
        try guarded {
            let page = try sagaRequest {
                try AdminClient(connection: try connection.connect())
                    .sagas(status: status.flatMap(SagaNames.statusCode), cursor: cursor, limit: limit)
            }
            if connection.json {
                struct PageJSON: Encodable {
                    let sagas: [SagaJSON]
                    /// The `--cursor` of the next page, or nil on the last page.
                    let nextCursor: String?

                    func encode(to encoder: Encoder) throws {
                        var container = encoder.container(keyedBy: CodingKeys.self)
                        try container.encode(sagas, forKey: .sagas)
                        try container.encode(nextCursor, forKey: .nextCursor)
                    }

                    private enum CodingKeys: String, CodingKey { case sagas, nextCursor }
                }
                printJSON(PageJSON(sagas: page.sagas.map(SagaJSON.init),
                                   nextCursor: page.nextCursor.isEmpty ? nil : page.nextCursor))
            } else if page.sagas.isEmpty {
                print("no sagas match")
            } else {
                print(SagaText.table(page.sagas))
                if !page.nextCursor.isEmpty { print("more: --cursor \(page.nextCursor)") }
            }
        }
    }
}

/// `compctl saga show ID`: the saga, its steps, and every record and change of it in time order.
struct SagaShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one saga: its steps with their states, then every record in time order.")
    @Argument(help: "The saga id.") var id: String
    @OptionGroup var connection: ConnectionOptions

    func validate() throws { try validateName(id, "ID") }

    func run() throws {
        try guarded {
            let shown = try sagaRequest(notFound: id) { try AdminClient(connection: try connection.connect()).saga(id) }
            if connection.json {
                struct ShowJSON: Encodable {
                    let saga: SagaJSON
                    let steps: [SagaStepJSON]
                    let history: [SagaEntryJSON]
                    let omittedEntries: UInt32
                }
                printJSON(ShowJSON(saga: SagaJSON(shown.saga), steps: shown.steps.map(SagaStepJSON.init),
                                   history: shown.history.map(SagaEntryJSON.init), omittedEntries: shown.omittedEntries ?? 0))
            } else {
                print(SagaText.line(shown.saga))
                print("steps:")
                print(SagaText.steps(shown.steps))
                print("records and changes, in time order:")
                for item in shown.history { print("  " + SagaText.entry(item)) }
                if let omitted = shown.omittedEntries { print("(\(omitted) later rows did not fit in one reply)") }
            }
        }
    }
}

/// `compctl saga abort ID`: an operator aborts a RUNNING saga.
struct SagaAbort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort", abstract: "Abort a RUNNING saga: fence its forwards and compensate the steps that ran, last first.")
    @Argument(help: "The saga id.") var id: String
    @Option(help: "Who asks, for the history (default: compctl:<your user name>); at most 128 bytes.")
    var actor: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try validateName(id, "ID")
        if let actor {
            guard !actor.isEmpty, actor.utf8.count <= WireLimits.maxActorBytes else {
                throw ValidationError("--actor must be 1...\(WireLimits.maxActorBytes) bytes of UTF-8; got \(actor.utf8.count)")
            }
        }
    }

    func run() throws {
        try guarded {
            let reply = try sagaRequest(notFound: id) {
                try AdminClient(connection: try connection.connect()).abortSaga(id, actor: actor ?? Actor.current)
            }
            if connection.json {
                struct AbortJSON: Encodable {
                    let saga: String
                    let status: String
                }
                printJSON(AbortJSON(saga: id, status: SagaNames.status(reply.status)))
            } else {
                print("aborted: saga \(id) is \(SagaNames.status(reply.status))")
            }
        }
    }
}

/// Runs a saga request and turns the broker's refusals into compctl's exits: 3 when no saga has the id (the
/// broker says `invalid_field`: compctl never sends an empty id), 1 when it is not allowed or the broker is too
/// old to know sagas.
func sagaRequest<T>(notFound id: String? = nil, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ClientError {
        switch error.brokerCode {
        case .unknownMessageType?:
            throw Failure("this broker does not answer saga requests; upgrade compd", exitCode: ExitStatus.refused)
        case .invalidField? where id != nil:
            throw Failure("saga \(id ?? "") not found", exitCode: ExitStatus.nothingMatched)
        case .notAllowed?:
            guard case .broker(_, let message) = error else { throw error }
            throw Failure("not allowed: \(message)", exitCode: ExitStatus.refused)
        default:
            throw error
        }
    }
}

/// Names of the saga enums, as operators read them.
enum SagaNames {
    static let statuses: [UInt8: String] = [1: "RUNNING", 2: "COMPLETED", 3: "ABORTING", 4: "COMPENSATED", 5: "STUCK"]
    static let causes: [UInt8: String] = [1: "step failed", 2: "deadline", 3: "operator"]
    static let forwardStates: [UInt8: String] = [0: "pending", 1: "running", 2: "succeeded", 3: "failed"]
    static let compensationStates: [UInt8: String] = [
        0: "none", 1: "not-needed", 2: "waiting", 3: "running", 4: "succeeded", 5: "parked", 6: "discarded",
    ]

    static func status(_ raw: UInt8) -> String { statuses[raw] ?? "STATUS_\(raw)" }
    static func statusCode(_ name: String) -> UInt8? { statuses.first { $0.value == name.uppercased() }?.key }
    static func forward(_ raw: UInt8) -> String { forwardStates[raw] ?? "state_\(raw)" }
    static func compensation(_ raw: UInt8) -> String { compensationStates[raw] ?? "state_\(raw)" }

    /// Why the saga aborted, for people (`step 1 failed`, `deadline`, `operator`), or nil.
    static func cause(_ view: SagaView) -> String? {
        guard let raw = view.abortCause else { return nil }
        if raw == 1, let step = view.abortStep { return "step \(step) failed" }
        return causes[raw] ?? "cause_\(raw)"
    }
}

/// The saga views as text.
enum SagaText {
    /// The `saga list` table: a header, then one aligned row per saga.
    static func table(_ sagas: [SagaView]) -> String {
        let header = ["ID", "STATUS", "STEPS", "UPDATED"]
        let rows = sagas.map { [$0.id, SagaNames.status($0.status), "\($0.stepCount)", Names.time($0.updatedAt)] }
        return aligned(header, rows, details: sagas.map(details))
    }

    /// One line for `saga show`.
    static func line(_ saga: SagaView) -> String {
        "saga \(saga.id)  \(SagaNames.status(saga.status))  steps=\(saga.stepCount)  created=\(Names.time(saga.createdAt))  updated=\(Names.time(saga.updatedAt))" + details(saga)
    }

    /// The steps table of `saga show`.
    static func steps(_ steps: [SagaStepView]) -> String {
        let header = ["STEP", "SERVICE/PROCESSOR", "FORWARD", "COMPENSATION", "FORWARD-STATE", "COMPENSATION-STATE", "EXECUTIONS"]
        let rows = steps.map { step in
            var executions: [String] = []
            if let id = step.forwardExecutionId { executions.append("forward=\(id)") }
            if let id = step.compensationExecutionId { executions.append("compensation=\(id)") }
            return ["\(step.index)", "\(step.service)/\(step.processor)", step.forward,
                    step.compensation.isEmpty ? "-" : step.compensation, SagaNames.forward(step.forwardState),
                    SagaNames.compensation(step.compensationState) + (step.forwardUnknown ? " (forward unknown)" : ""),
                    executions.isEmpty ? "-" : executions.joined(separator: " ")]
        }
        return aligned(header, rows, details: nil)
    }

    /// One history row: time, execution (`-` for the saga's own rows), kind, summary, who did it.
    static func entry(_ item: TimelineEntry) -> String {
        let execution = item.executionId == 0 ? "-" : "\(item.executionId)"
        return "\(Names.time(item.entry.at))  \(execution)  \(item.entry.kind)  \(item.entry.summary)"
            + (item.entry.actor.map { "  by \($0)" } ?? "")
    }

    private static func details(_ saga: SagaView) -> String {
        var text = ""
        if let deadline = saga.deadline { text += "  deadline=\(Names.time(deadline))" }
        if let cause = SagaNames.cause(saga) { text += "  aborted: \(cause)" }
        return text
    }

    private static func aligned(_ header: [String], _ rows: [[String]], details: [String]?) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 && details == nil ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
        var lines = [render(header) + (details == nil ? "" : "  DETAILS")]
        for (index, row) in rows.enumerated() { lines.append(render(row) + (details?[index] ?? "")) }
        return lines.joined(separator: "\n")
    }
}

/// JSON of a saga.
struct SagaJSON: Encodable {
    let id: String
    let status: String
    let stepCount: UInt16
    let deadline: String?
    let abortCause: String?
    let abortStep: UInt16?
    let createdAt: String
    let updatedAt: String

    init(_ view: SagaView) {
        id = view.id
        status = SagaNames.status(view.status)
        stepCount = view.stepCount
        deadline = view.deadline.map(Names.time)
        abortCause = view.abortCause.map { SagaNames.causes[$0] ?? "cause_\($0)" }
        abortStep = view.abortStep
        createdAt = Names.time(view.createdAt)
        updatedAt = Names.time(view.updatedAt)
    }

    private enum CodingKeys: String, CodingKey {
        case id, status, stepCount, deadline, abortCause, abortStep, createdAt, updatedAt
    }

    /// Writes absent values as `null` so every key is always present.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(stepCount, forKey: .stepCount)
        try container.encode(deadline, forKey: .deadline)
        try container.encode(abortCause, forKey: .abortCause)
        try container.encode(abortStep, forKey: .abortStep)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// JSON of a saga step.
struct SagaStepJSON: Encodable {
    let index: UInt16
    let service: String
    let processor: String
    let eventId: String
    let forward: String
    let compensation: String
    let forwardState: String
    let compensationState: String
    let forwardUnknown: Bool
    let forwardExecutionId: Int64?
    let compensationExecutionId: Int64?

    init(_ step: SagaStepView) {
        index = step.index
        service = step.service
        processor = step.processor
        eventId = step.eventId
        forward = step.forward
        compensation = step.compensation
        forwardState = SagaNames.forward(step.forwardState)
        compensationState = SagaNames.compensation(step.compensationState)
        forwardUnknown = step.forwardUnknown
        forwardExecutionId = step.forwardExecutionId
        compensationExecutionId = step.compensationExecutionId
    }

    private enum CodingKeys: String, CodingKey {
        case index, service, processor, eventId, forward, compensation, forwardState, compensationState
        case forwardUnknown, forwardExecutionId, compensationExecutionId
    }

    /// Writes absent values as `null` so every key is always present.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(service, forKey: .service)
        try container.encode(processor, forKey: .processor)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(forward, forKey: .forward)
        try container.encode(compensation, forKey: .compensation)
        try container.encode(forwardState, forKey: .forwardState)
        try container.encode(compensationState, forKey: .compensationState)
        try container.encode(forwardUnknown, forKey: .forwardUnknown)
        try container.encode(forwardExecutionId, forKey: .forwardExecutionId)
        try container.encode(compensationExecutionId, forKey: .compensationExecutionId)
    }
}

/// JSON of one row of a saga's history (`executionId` null for the saga's own rows).
struct SagaEntryJSON: Encodable {
    let executionId: Int64?
    let seq: Int64
    let at: String
    let kind: String
    let summary: String
    let actor: String?

    init(_ item: TimelineEntry) {
        executionId = item.executionId == 0 ? nil : item.executionId
        seq = item.entry.seq
        at = Names.time(item.entry.at)
        kind = item.entry.kind
        summary = item.entry.summary
        actor = item.entry.actor
    }
}

import ArgumentParser
import CompClient
import CompModel
import CompWire
import Foundation

/// `compctl report failure|success|started ...`
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report one handler failure or success, or the intent before a call (started).",
        discussion: """
            started records the intent before a call: the broker creates the execution, leased to the \
            reporter for its execution timeout (--execution-timeout), and prints its id and lease as ID:TOKEN. \
            Report the call's result with --lease ID:TOKEN; without a result by the timeout the broker \
            retries it through the service's subscribers.
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case failure, success, started
    }

    @Argument(help: "failure, success or started.")
    var kind: Kind
    @Option var service: String
    @Option var processor: String
    @Option var function: String
    @Option(name: .customLong("event-id")) var eventId: String
    @Option(name: .customLong("correlation-id")) var correlationId: String?
    @Option(name: .customLong("error-code")) var errorCode: String?
    @Option(name: .customLong("error-message")) var errorMessage: String?
    @Option(help: "yes, no or unknown.") var recoverable = "unknown"
    @Option(name: .customLong("payload-file"), help: "A file whose bytes come back with every retry command.")
    var payloadFile: String?
    @Option(help: "A spool directory: the record is durable there first, then forwarded (store-and-forward; see `compctl spool`).")
    var spool: String?
    @Option(help: ArgumentHelp("The lease this result answers, as EXECUTION-ID:TOKEN (from a retry command or report started).", valueName: "ID:TOKEN"))
    var lease: String?
    @OptionGroup var spec: SpecOptions
    @OptionGroup var saga: SagaRefOptions
    @OptionGroup var connection: ConnectionOptions

    /// Sends of the record at most (resends after a timeout); with the hello before them, all
    /// share `--timeout`.
    static let sends = 3

    func validate() throws {
        for (option, value) in [("--service", service), ("--processor", processor), ("--function", function),
                                ("--event-id", eventId)] {
            try validateName(value, option)
        }
        guard ["yes", "no", "unknown"].contains(recoverable) else {
            throw ValidationError("--recoverable must be yes, no or unknown")
        }
        if kind != .failure, errorCode != nil || errorMessage != nil {
            throw ValidationError("a \(kind.rawValue) record carries no error")
        }
        if kind == .started, lease != nil {
            throw ValidationError("report started creates the lease: it takes no --lease")
        }
        if let lease { _ = try Self.parseLease(lease) }
        if kind == .failure {
            // A failure without a code would be stored as an anonymous `ERROR`: require what matters.
            guard let errorCode else {
                throw ValidationError("report failure needs --error-code CODE (what went wrong, e.g. DB_TIMEOUT); --error-message is optional")
            }
            try validateName(errorCode, "--error-code")
        }
    }

    func run() throws {
        try guarded {
            var payload: [UInt8]?
            if let payloadFile {
                guard let data = FileManager.default.contents(atPath: payloadFile) else {
                    throw Failure("cannot read payload file \(payloadFile)")
                }
                payload = [UInt8](data)
            }
            let recordKind: RecordKind = switch kind {
            case .failure: .failure
            case .success: .success
            case .started: .started
            }
            let now = WallClock.now().milliseconds
            let record = Record(
                id: RecordIdentifier.next(), kind: recordKind,
                service: service, processor: processor, function: function, eventId: eventId,
                occurredAt: now, correlationId: correlationId,
                error: kind == .failure
                    ? ErrorDetails(code: errorCode ?? "", message: errorMessage ?? "") : nil,
                recoverable: kind == .failure ? Names.recoverableCode(recoverable) : nil,
                retrySpec: try spec.patch(), payload: payload, lease: try lease.map(Self.parseLease),
                saga: try saga.ref(now: now))
            if let spool { return try reportThroughSpool(record, directory: spool) }
            // A hello (up to 2 sends) and the record (up to `sends`): each waits its share of --timeout.
            let reporter = Reporter(connection: try connection.connect(attempts: 2 + Self.sends), attempts: Self.sends)
            guard let outcome = try reporter.send([record]).first else { throw Failure("no outcome") }
            let status = Names.outcome(outcome.status)
            let code = outcome.status == .rejected ? Names.code(outcome.code) : nil
            if connection.json {
                struct OutcomeJSON: Encodable {
                    let outcome: String
                    let executionId: Int64?
                    let code: String?
                    let codeNumber: UInt16?
                    let detail: String?
                    let leaseToken: UInt64?
                }
                printJSON(OutcomeJSON(
                    outcome: status, executionId: outcome.executionId == 0 ? nil : outcome.executionId,
                    code: code, codeNumber: code == nil ? nil : outcome.code, detail: outcome.detail,
                    leaseToken: outcome.leaseToken))
            } else if let code {
                print("rejected: \(code) (\(outcome.code))\(outcome.detail.map { ": \($0)" } ?? "")")
            } else if let token = outcome.leaseToken {
                print("\(status): execution \(outcome.executionId), lease \(outcome.executionId):\(token)")
            } else if outcome.executionId != 0 {
                print("\(status): execution \(outcome.executionId)")
            } else if let ref = record.saga {
                // A saga step's success is journaled with the saga even when no execution is open for its key.
                print("\(status): step \(ref.step) of saga \(ref.sagaId.isEmpty ? correlationId ?? "" : ref.sagaId) recorded")
            } else {
                print("\(status): no open execution for this key")
            }
            if outcome.status == .rejected { throw ExitCode(1) }
        }
    }

    /// `EXECUTION-ID:TOKEN` as a lease reference.
    static func parseLease(_ text: String) throws -> LeaseRef {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = Int64(parts[0]), id > 0, let token = UInt64(parts[1]) else {
            throw ValidationError("--lease must be EXECUTION-ID:TOKEN (two numbers, e.g. 12:12), got \(text)")
        }
        return LeaseRef(executionId: id, token: token)
    }
}

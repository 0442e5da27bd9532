import ArgumentParser
import CompClient
import CompModel
import CompWire
import Foundation

/// `compctl report failure|success ...`
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report one handler failure or success.")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case failure, success
    }

    @Argument(help: "failure or success.")
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
        if kind == .success, errorCode != nil || errorMessage != nil {
            throw ValidationError("a success carries no error")
        }
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
            let now = WallClock.now().milliseconds
            let record = Record(
                id: RecordIdentifier.next(), kind: kind == .failure ? .failure : .success,
                service: service, processor: processor, function: function, eventId: eventId,
                occurredAt: now, correlationId: correlationId,
                error: kind == .failure
                    ? ErrorDetails(code: errorCode ?? "", message: errorMessage ?? "") : nil,
                recoverable: kind == .failure ? Names.recoverableCode(recoverable) : nil,
                retrySpec: try spec.patch(), payload: payload, saga: try saga.ref(now: now))
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
                }
                printJSON(OutcomeJSON(
                    outcome: status, executionId: outcome.executionId == 0 ? nil : outcome.executionId,
                    code: code, codeNumber: code == nil ? nil : outcome.code, detail: outcome.detail))
            } else if let code {
                print("rejected: \(code) (\(outcome.code))\(outcome.detail.map { ": \($0)" } ?? "")")
            } else if outcome.executionId != 0 {
                print("\(status): execution \(outcome.executionId)")
            } else {
                print("\(status): no open execution for this key")
            }
            if outcome.status == .rejected { throw ExitCode(1) }
        }
    }
}

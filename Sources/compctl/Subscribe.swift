import ArgumentParser
import CompClient
import CompModel
import CompWire
import Foundation

/// `compctl subscribe`: runs retry commands of one service and reports their results.
struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch retry commands of a service, run them, report results.",
        discussion: """
            With --exec, CMD runs under /bin/sh once per command with the command as JSON on stdin; \
            exit status 0 reports success, anything else a failure (error code EXIT_<status> or \
            SIGNAL_<n>, the last line of stderr as message). CMD's stdout is read and dropped. \
            Commands are fetched one at a time, and the running one's lease is extended while \
            CMD runs.
            """)

    @Option var service: String
    @Option(help: "This instance's name (default: host-pid).") var instance: String?
    @Option(help: "Commands per fetch, 1...1000 (default 10; 1 with --exec).") var max: Int?
    @Option(help: "Stop after handling this many commands.") var count: Int?
    @Option(name: .customLong("for"), help: "Stop after this long (e.g. 30s).") var duration: String?
    @Option(help: "How long to wait for the next command; with --count, stop (exit 75) when none comes in this time.")
    var wait = "5s"
    @Flag(help: "Report every command as succeeded.") var succeed = false
    @Flag(help: "Report every command as failed.") var fail = false
    @Option(help: "Run CMD per command; exit 0 = success.") var exec: String?
    @Option(name: .customLong("error-code"), help: "Error code of --fail results.") var errorCode = "RETRY_FAILED"
    @Option(help: "Recoverability of --fail results: yes, no or unknown.") var recoverable = "unknown"
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard [succeed, fail, exec != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --succeed, --fail, --exec CMD")
        }
        if let max {
            guard (1...WireLimits.maxCommands).contains(max) else { throw ValidationError("--max must be in 1...1000") }
            if exec != nil, max > 1 {
                throw ValidationError("--max must be 1 with --exec: commands run one at a time, so a prefetched one would wait while its lease runs out")
            }
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        _ = try parseDuration(duration, "--for")
        guard try parseDuration(wait, "--wait") != nil else { throw ValidationError("--wait is required") }
        guard ["yes", "no", "unknown"].contains(recoverable) else {
            throw ValidationError("--recoverable must be yes, no or unknown")
        }
    }

    func run() throws {
        try guarded {
            let name = instance ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
            let subscriber = Subscriber(connection: try connection.connect(), service: service, instance: name)
            let waitMs = Int(try parseDuration(wait, "--wait") ?? 5000)
            let stopAt = try parseDuration(duration, "--for").map { Deadline(inMilliseconds: Int64($0)) }
            var handled = 0
            // With --count, a wait of --wait with no command ends the run: fewer came than asked for.
            var idleUntil = Deadline(inMilliseconds: Int64(waitMs))
            while count.map({ handled < $0 }) ?? true {
                var waitNow = waitMs
                if let stopAt {
                    let left = stopAt.remainingMilliseconds
                    if left <= 0 { break }
                    waitNow = Swift.min(waitMs, Int(left))
                }
                if let count {
                    let idle = idleUntil.remainingMilliseconds
                    if idle <= 0 {
                        throw Failure(
                            "\(handled) of \(count) commands came; none more within --wait \(wait)",
                            exitCode: ExitStatus.incomplete)
                    }
                    waitNow = Swift.min(waitNow, Int(idle))
                }
                let perFetch = exec != nil ? 1 : (max ?? 10)
                let room = count.map { $0 - handled } ?? perFetch
                let commands = try subscriber.fetch(max: Swift.min(perFetch, room), waitMilliseconds: waitNow)
                for command in commands {
                    let (succeeded, error) = try execute(command, subscriber)
                    let outcome = succeeded
                        ? try subscriber.succeeded(command)
                        : try subscriber.failed(command, error: error, recoverable: Names.recoverableCode(recoverable))
                    handled += 1
                    report(command, succeeded: succeeded, outcome: outcome)
                }
                if !commands.isEmpty { idleUntil = Deadline(inMilliseconds: Int64(waitMs)) }
            }
            if let count, handled < count {
                throw Failure("\(handled) of \(count) commands came within --for \(duration ?? "")", exitCode: ExitStatus.incomplete)
            }
        }
    }

    private func report(_ command: RetryCommand, succeeded: Bool, outcome: RecordOutcome) {
        let status = Names.outcome(outcome.status)
        if connection.json {
            struct HandledJSON: Encodable {
                let executionId: Int64
                let attempt: UInt32
                let eventId: String
                let result: String
                let outcome: String
            }
            printJSON(HandledJSON(
                executionId: command.executionId, attempt: command.attempt, eventId: command.eventId,
                result: succeeded ? "success" : "failure", outcome: status))
        } else {
            print("execution \(command.executionId) attempt \(command.attempt) event=\(command.eventId): \(succeeded ? "success" : "failure") -> \(status)")
        }
        fflush(nil)
    }

    /// Runs one command; returns whether it succeeded and the error to report if not.
    private func execute(_ command: RetryCommand, _ subscriber: Subscriber) throws -> (Bool, ErrorDetails) {
        if succeed { return (true, ErrorDetails(code: "", message: "")) }
        if fail { return (false, ErrorDetails(code: errorCode, message: "compctl subscribe --fail")) }
        return try runExec(command, subscriber)
    }

    private func runExec(_ command: RetryCommand, _ subscriber: Subscriber) throws -> (Bool, ErrorDetails) {
        let outcome = ExecRunner(script: exec ?? "false").run(command, input: try commandJSON(command), subscriber: subscriber)
        return (outcome.succeeded, outcome.error)
    }

    private func commandJSON(_ command: RetryCommand) throws -> [UInt8] {
        struct CommandJSON: Encodable {
            let executionId: Int64
            let attempt: UInt32
            let leaseToken: UInt64
            let leaseDeadline: String
            let service: String
            let processor: String
            let function: String
            let eventId: String
            let correlationId: String
            let lastError: [String: String]
            let payloadBase64: String
        }
        let value = CommandJSON(
            executionId: command.executionId, attempt: command.attempt, leaseToken: command.leaseToken,
            leaseDeadline: Names.time(command.leaseDeadline), service: command.service,
            processor: command.processor, function: command.function, eventId: command.eventId,
            correlationId: command.correlationId,
            lastError: ["code": command.lastError.code, "message": command.lastError.message],
            payloadBase64: Data(command.payload).base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return [UInt8](try encoder.encode(value))
        } catch {
            throw Failure("cannot encode retry command \(command.executionId) as JSON: \(error)")
        }
    }
}

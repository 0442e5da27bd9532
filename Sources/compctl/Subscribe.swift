import ArgumentParser
import CompClient
import CompWire
import Foundation

/// `compctl subscribe`: runs retry commands of one service and reports their results.
struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch retry commands of a service, run them, report results.",
        discussion: """
            With --exec, CMD runs under /bin/sh once per command with the command as JSON on stdin; \
            exit status 0 reports success, anything else a failure (error code EXIT_<status>, the \
            last line of stderr as message). Leases of long runs are extended while CMD runs.
            """)

    @Option var service: String
    @Option(help: "This instance's name (default: host-pid).") var instance: String?
    @Option(help: "Commands per fetch, 1...1000.") var max = 10
    @Option(help: "Stop after handling this many commands.") var count: Int?
    @Option(name: .customLong("for"), help: "Stop after this long (e.g. 30s).") var duration: String?
    @Option(help: "How long each fetch may be held by the broker.") var wait = "5s"
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
        guard (1...WireLimits.maxCommands).contains(max) else { throw ValidationError("--max must be in 1...1000") }
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
            let stopAt = try parseDuration(duration, "--for").map { RecordIdentifier.nowMilliseconds() + Int64($0) }
            var handled = 0
            while count.map({ handled < $0 }) ?? true {
                var waitNow = waitMs
                if let stopAt {
                    let left = stopAt - RecordIdentifier.nowMilliseconds()
                    if left <= 0 { break }
                    waitNow = Swift.min(waitMs, Int(left))
                }
                let room = count.map { $0 - handled } ?? max
                let commands = try subscriber.fetch(max: Swift.min(max, room), waitMilliseconds: waitNow)
                for command in commands {
                    let (succeeded, error) = try execute(command, subscriber)
                    let outcome = succeeded
                        ? try subscriber.succeeded(command)
                        : try subscriber.failed(command, error: error, recoverable: Names.recoverableCode(recoverable))
                    handled += 1
                    report(command, succeeded: succeeded, outcome: outcome)
                }
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", exec ?? "false"]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return (false, ErrorDetails(code: "EXEC_FAILED", message: "cannot run /bin/sh: \(error.localizedDescription)"))
        }
        input.fileHandleForWriting.write(commandJSON(command))
        try? input.fileHandleForWriting.close()
        let stderrText = LockedBuffer()
        let reader = Thread { stderrText.append(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        var deadline = command.leaseDeadline
        let leaseLength = Swift.max(1000, command.leaseDeadline - RecordIdentifier.nowMilliseconds())
        while process.isRunning {
            usleep(20_000)
            let now = RecordIdentifier.nowMilliseconds()
            if deadline - now < leaseLength / 2 {
                if let extended = try subscriber.extend(command, byMilliseconds: Int(leaseLength)) {
                    deadline = extended
                } else {
                    deadline = Int64.max  // the lease is gone; the result will be stale
                }
            }
        }
        process.waitUntilExit()
        while !stderrText.isComplete(for: reader) { usleep(1000) }
        if process.terminationStatus == 0 { return (true, ErrorDetails(code: "", message: "")) }
        let lastLine = stderrText.text.split(separator: "\n").last.map(String.init) ?? ""
        return (false, ErrorDetails(
            code: "EXIT_\(process.terminationStatus)", message: String(lastLine.utf8.prefix(1000)) ?? "",
            detail: String(stderrText.text.utf8.suffix(8000)) ?? ""))
    }

    private func commandJSON(_ command: RetryCommand) -> Data {
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
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}

/// Collects a child's stderr on a reader thread.
///
/// `@unchecked Sendable`: guarded by `lock`.
final class LockedBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false

    func append(_ chunk: Data) {
        lock.withLock {
            data.append(chunk)
            done = true
        }
    }

    func isComplete(for thread: Thread) -> Bool { lock.withLock { done } }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

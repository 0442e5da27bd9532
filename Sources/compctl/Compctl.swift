import ArgumentParser
import CompAuth
import CompClient
import CompModel
import CompTransport
import CompWire
import Foundation
import Synchronization

/// `compctl`: the operator and load-test client of compd.
@main
struct Compctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compctl",
        abstract: "Report, subscribe to and steer compensations on a compd broker.",
        discussion: "Exit codes: 0 done; 1 refused (nothing changed); 3 nothing matched or not found; 64 bad arguments; 69 broker unreachable; 75 subscribe got fewer commands than --count. See docs/CLI.md.",
        version: BuildVersion.text,
        subcommands: [
            Report.self, Subscribe.self, List.self, Show.self, Timeline.self, SagaCommand.self, Retry.self, Discard.self, Park.self,
            Mark.self, ApplySpec.self, ChangeFunction.self, Pause.self, Resume.self, Stats.self,
            Notifications.self, Watch.self, Load.self, Spool.self, Keys.self,
        ])

    /// Checks what argument parsing cannot see, then parses and runs the command.
    ///
    /// - SIGPIPE is ignored: a `subscribe --exec` child that exits without reading its stdin, or
    ///   a closed stdout, must end in an error we handle, not kill compctl.
    /// - An argument that is not valid UTF-8 is refused (exit 64): Swift's `CommandLine.arguments`
    ///   would silently replace its bad bytes, and a name would reach the broker changed.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        _ = Attempts.started
        if let problem = ArgumentBytes.firstInvalidUTF8(CommandLine.unsafeArgv, count: Int(CommandLine.argc)) {
            FileHandle.standardError.write(Data("compctl: \(problem)\n".utf8))
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        self.main(nil)
    }
}

/// Checks of the raw bytes of the command line.
enum ArgumentBytes {
    /// A message naming the first argument (after the program name) that is not valid UTF-8, or
    /// nil when all are.
    ///
    /// - Parameters:
    ///   - argv: The C argument vector.
    ///   - count: The number of arguments in it.
    /// - Returns: The message, showing the argument with its bad bytes as `\xNN`.
    static func firstInvalidUTF8(_ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                                 count: Int) -> String? {
        for index in 1..<max(1, count) {
            guard let argument = argv[index] else { continue }
            let bytes = UnsafeRawBufferPointer(start: argument, count: strlen(argument))
            if let problem = describeInvalid(Array(bytes), position: index) { return problem }
        }
        return nil
    }

    /// The message for one argument's bytes, or nil when they are valid UTF-8.
    static func describeInvalid(_ bytes: [UInt8], position: Int) -> String? {
        guard String(validating: bytes, as: UTF8.self) == nil else { return nil }
        let shown = bytes.map { byte in
            (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
        }.joined()
        return "argument \(position) (`\(shown)`) is not valid UTF-8; give every argument as UTF-8 text"
    }
}

/// Options every command takes.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The broker's request address: tcp://HOST:PORT (or HOST:PORT) or ipc:///path.")
    var broker = "tcp://127.0.0.1:7450"
    @Option(help: "How long the whole command may wait for the broker, all attempts together (e.g. 5s, 1.5s).")
    var timeout = "5s"
    @Flag(help: "Print JSON instead of text.")
    var json = false
    @Option(help: ArgumentHelp(
        "The key to sign every request with: a key file (one line id:secret, made by `compd keys create`), or that line itself; default COMPCTL_KEY, else unsigned.",
        valueName: "file"))
    var key: String?

    func validate() throws {
        if let problem = TransportAddress.problem(with: broker) { throw ValidationError("--broker: \(problem)") }
        do { _ = try signingKey() } catch { throw ValidationError("--key (or COMPCTL_KEY): \(error)") }
        guard let ms = DurationText.milliseconds(timeout), ms > 0 else {
            throw ValidationError("--timeout must be \(DurationText.expectedForms), above 0; got `\(timeout)`")
        }
    }

    /// The key of `--key`, else of `COMPCTL_KEY`, else nil (unsigned requests).
    func signingKey() throws(AuthError) -> AuthKey? {
        guard let value = key ?? ProcessInfo.processInfo.environment["COMPCTL_KEY"], !value.isEmpty else { return nil }
        return try AuthKey.load(value)
    }

    /// The whole command's time budget in ms.
    var budgetMilliseconds: Int { Int(clamping: DurationText.milliseconds(timeout) ?? 5000) }

    /// A connection to the broker whose requests wait `--timeout / attempts` each, so that
    /// `attempts` sends together stay within `--timeout`.
    ///
    /// - Parameter attempts: How many sends the command may make at most (all requests and resends).
    func connect(attempts: Int = 1) throws -> BrokerConnection {
        let perAttempt = max(1, budgetMilliseconds / max(1, attempts))
        do {
            let connection = try BrokerConnection(address: TransportAddress.normalized(broker), timeoutMilliseconds: perAttempt,
                                                  key: try? signingKey())
            Attempts.opened(connection, timeout: timeout)
            return connection
        } catch {
            throw Failure(error)
        }
    }
}

/// The broker connections this run opened, so that a timeout can say how many attempts were made
/// over how long, and what bounds them.
enum Attempts {
    /// When compctl started (read once in `Compctl.main`).
    static let started = ContinuousClock.now
    private static let opened = Mutex<[(BrokerConnection, String)]>([])

    /// Remembers a connection and the `--timeout` text it was made with.
    static func opened(_ connection: BrokerConnection, timeout: String) {
        opened.withLock { $0.append((connection, timeout)) }
    }

    /// The message for a request that got no reply: the attempts made (each timeout reopens a
    /// socket, so the count is the connections' reopen count) and the time since compctl started.
    static func noReply(address: String, perAttemptMilliseconds: Int) -> String {
        let (attempts, timeout) = opened.withLock { list in
            (list.reduce(0) { $0 + $1.0.reopenCount }, list.last?.1 ?? "5s")
        }
        let elapsed = started.duration(to: .now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let tries = max(1, attempts)
        return "no reply from \(address): \(tries) attempt\(tries == 1 ? "" : "s") over \(String(format: "%.1f", seconds)) s"
            + " (each waited \(perAttemptMilliseconds) ms; --timeout \(timeout) bounds the whole command); is compd running there?"
    }
}

/// A failure to print as one line on stderr, with its exit code.
struct Failure: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    init(_ error: ClientError) {
        switch error {
        case .timedOut(let address, let milliseconds):
            self.init(Attempts.noReply(address: address, perAttemptMilliseconds: milliseconds), exitCode: 69)
        case .transport: self.init(error.description, exitCode: 69)
        default: self.init(error.description, exitCode: 1)
        }
    }

    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning client errors into a message on stderr and a non-zero exit.
    func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data("compctl: \(failure.message)\n".utf8))
            throw ExitCode(failure.exitCode)
        } catch let error as ClientError {
            let failure = Failure(error)
            FileHandle.standardError.write(Data("compctl: \(failure.message)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
    }
}

/// Parses a duration option; refuses a negative or malformed one naming the option.
func parseDuration(_ text: String?, _ name: String) throws -> UInt64? {
    guard let text else { return nil }
    if text.hasPrefix("-") { throw ValidationError("\(name) must not be negative; got `\(text)`") }
    guard let ms = DurationText.milliseconds(text) else {
        throw ValidationError("\(name) must be \(DurationText.expectedForms); got `\(text)`")
    }
    return ms
}

/// Retry spec options, shared by `report` and `apply-spec`. Values are read as text (a negative
/// number is taken as the option's value, not as an unknown option) and checked here against the
/// rules the broker applies (`RetrySpec.validate`), naming the option and the rule.
struct SpecOptions: ParsableArguments {
    @Option(name: .customLong("max-retries"), parsing: .unconditional,
            help: "Retries after the first failure, 0...\(RetrySpec.maxRetriesLimit).")
    var maxRetries: String?
    @Option(name: .customLong("min-backoff"), parsing: .unconditional, help: "First retry delay (e.g. 200ms, 1.5s, 1h30m).")
    var minBackoff: String?
    @Option(name: .customLong("max-backoff"), parsing: .unconditional, help: "Cap on any retry delay, at least --min-backoff.")
    var maxBackoff: String?
    @Option(name: .customLong("execution-timeout"), parsing: .unconditional, help: "Lease length of one attempt, at least 1ms.")
    var executionTimeout: String?
    @Option(parsing: .unconditional, help: "Jitter in thousandths of a delay, 0...1000.")
    var jitter: String?

    func validate() throws { _ = try patch() }

    /// The patch, or nil when no option was given.
    ///
    /// - Throws: `ValidationError` naming the first option that breaks its rule.
    func patch() throws -> RetrySpecPatch? {
        let limitMs = UInt64(RetrySpec.spanLimit.milliseconds)
        let limitText = DurationText.format(milliseconds: limitMs)
        func span(_ text: String?, _ name: String, atLeast minimum: UInt64 = 0) throws -> UInt64? {
            guard let ms = try parseDuration(text, name) else { return nil }
            guard ms >= minimum, ms <= limitMs else {
                throw ValidationError("\(name) must be in \(DurationText.format(milliseconds: minimum))...\(limitText); got `\(text ?? "")`")
            }
            return ms
        }
        let min = try span(minBackoff, "--min-backoff")
        let max = try span(maxBackoff, "--max-backoff")
        if let min, let max, max < min {
            throw ValidationError("--max-backoff must be at least --min-backoff; got \(maxBackoff ?? "") < \(minBackoff ?? "")")
        }
        let patch = RetrySpecPatch(
            maxRetries: try whole(maxRetries, "--max-retries", limit: UInt64(RetrySpec.maxRetriesLimit)).map { UInt32($0) },
            minBackoffMs: min, maxBackoffMs: max,
            executionTimeoutMs: try span(executionTimeout, "--execution-timeout", atLeast: 1),
            jitterPermille: try whole(jitter, "--jitter", limit: 1000).map { UInt16($0) })
        return patch == RetrySpecPatch() ? nil : patch
    }

    /// A whole number option in `0...limit`.
    private func whole(_ text: String?, _ name: String, limit: UInt64) throws -> UInt64? {
        guard let text else { return nil }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(text), value <= limit else {
            throw ValidationError("\(name) must be a whole number in 0...\(limit); got `\(text)`")
        }
        return value
    }
}

import ArgumentParser
import CompClient
import CompWire
import Foundation

/// `compctl`: the operator and load-test client of compd.
@main
struct Compctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compctl",
        abstract: "Report, subscribe to and steer compensations on a compd broker.",
        subcommands: [
            Report.self, Subscribe.self, List.self, Show.self, Retry.self, Discard.self, Park.self,
            Mark.self, ApplySpec.self, ChangeFunction.self, Pause.self, Resume.self, Stats.self,
            Watch.self, Load.self,
        ])

    /// Checks what argument parsing cannot see, then parses and runs the command.
    ///
    /// - SIGPIPE is ignored: a `subscribe --exec` child that exits without reading its stdin, or
    ///   a closed stdout, must end in an error we handle, not kill compctl.
    /// - An argument that is not valid UTF-8 is refused (exit 64): Swift's `CommandLine.arguments`
    ///   would silently replace its bad bytes, and a name would reach the broker changed.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
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
    @Option(help: "The broker's request address.")
    var broker = "tcp://127.0.0.1:7450"
    @Option(help: "How long to wait for a reply (e.g. 5s).")
    var timeout = "5s"
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard let ms = DurationText.milliseconds(timeout), ms > 0 else {
            throw ValidationError("--timeout must be a duration like 500ms or 5s")
        }
    }

    /// A connection to the broker.
    func connect() throws -> BrokerConnection {
        let ms = Int(DurationText.milliseconds(timeout) ?? 5000)
        do {
            return try BrokerConnection(address: broker, timeoutMilliseconds: ms)
        } catch {
            throw Failure(error)
        }
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
        case .timedOut, .transport: self.init(error.description, exitCode: 69)
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

/// Parses a duration option.
func parseDuration(_ text: String?, _ name: String) throws -> UInt64? {
    guard let text else { return nil }
    guard let ms = DurationText.milliseconds(text) else {
        throw ValidationError("\(name) must be a duration like 250ms, 3s, 5m, 2h; got `\(text)`")
    }
    return ms
}

/// Retry spec options, shared by `report` and `apply-spec`.
struct SpecOptions: ParsableArguments {
    @Option(name: .customLong("max-retries"), help: "Retries after the first failure.")
    var maxRetries: UInt32?
    @Option(name: .customLong("min-backoff"), help: "First retry delay (e.g. 200ms, 3s).")
    var minBackoff: String?
    @Option(name: .customLong("max-backoff"), help: "Cap on any retry delay.")
    var maxBackoff: String?
    @Option(name: .customLong("execution-timeout"), help: "Lease length of one attempt.")
    var executionTimeout: String?
    @Option(help: "Jitter in thousandths of a delay, 0...1000.")
    var jitter: UInt16?

    func validate() throws {
        _ = try patch()
        if let jitter, jitter > 1000 { throw ValidationError("--jitter must be in 0...1000") }
    }

    /// The patch, or nil when no option was given.
    func patch() throws -> RetrySpecPatch? {
        let patch = RetrySpecPatch(
            maxRetries: maxRetries, minBackoffMs: try parseDuration(minBackoff, "--min-backoff"),
            maxBackoffMs: try parseDuration(maxBackoff, "--max-backoff"),
            executionTimeoutMs: try parseDuration(executionTimeout, "--execution-timeout"),
            jitterPermille: jitter)
        return patch == RetrySpecPatch() ? nil : patch
    }
}

import CompClient
import CompModel
import CompWire
import Foundation
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// How one run of the `--exec` command ended.
struct ExecOutcome: Sendable {
    /// Whether the command exited with status 0.
    var succeeded: Bool
    /// The error to report when it did not.
    var error: ErrorDetails
}

/// Runs the `--exec` command once per retry command, under `/bin/sh -c`.
///
/// The command's JSON goes to the child's stdin while its stdout and stderr are read, all at once
/// (so a child that writes a lot before it reads cannot deadlock with us); stdout is read and
/// dropped (compctl's own stdout carries its results), the end of stderr is kept for the error.
/// A child that exits without reading its stdin is fine: compctl ignores SIGPIPE (see
/// `Compctl.main`) and the failed write is not an error of the run. While the child runs, a
/// thread of its own extends the command's lease every half lease.
struct ExecRunner {
    /// The shell command.
    let script: String
    /// The most of stderr kept for the error detail.
    static let keptErrorBytes = 8000
    /// The most bytes of the error message (the last line of stderr).
    static let keptMessageBytes = 1000

    /// Runs the command for `command`, extending its lease through `subscriber` meanwhile.
    ///
    /// - Parameters:
    ///   - command: The retry command.
    ///   - input: The command as JSON, for the child's stdin.
    ///   - subscriber: Used to extend the lease (from another thread while the child runs).
    /// - Returns: How the child ended, with the error to report.
    func run(_ command: RetryCommand, input: [UInt8], subscriber: Subscriber) -> ExecOutcome {
        let extender = LeaseExtender(command: command, subscriber: subscriber)
        extender.start()
        defer { extender.stop() }
        let result = Blocking.run { [script] in
            try await ExecRunner.runChild(script: script, input: input)
        }
        switch result {
        case .failure(let error):
            return ExecOutcome(succeeded: false, error: ErrorDetails(
                code: "EXEC_FAILED", message: WireText.truncated("cannot run /bin/sh: \(error)", toUTF8Bytes: Self.keptMessageBytes)))
        case .success(let (status, errorTail)):
            let text = String(decoding: errorTail, as: UTF8.self)
            switch status {
            case .exited(0):
                return ExecOutcome(succeeded: true, error: ErrorDetails(code: "", message: ""))
            case .exited(let code):
                return ExecOutcome(succeeded: false, error: Self.details(code: "EXIT_\(code)", stderr: text))
            case .signaled(let signal):
                return ExecOutcome(succeeded: false, error: Self.details(code: "SIGNAL_\(signal)", stderr: text))
            }
        }
    }

    /// The error of a failed run: the last line of stderr as message (cut by the protocol's rule),
    /// the end of stderr as detail.
    static func details(code: String, stderr: String) -> ErrorDetails {
        let lastLine = stderr.split(separator: "\n").last.map(String.init) ?? ""
        return ErrorDetails(
            code: code, message: WireText.truncated(lastLine, toUTF8Bytes: keptMessageBytes),
            detail: ending(of: stderr, bytes: keptErrorBytes))
    }

    /// The longest end of `text` whose UTF-8 fits in `bytes`, cut at a character boundary (the tail of
    /// stderr read as bytes may begin inside a character, and invalid UTF-8 decodes to 3-byte `�`).
    private static func ending(of text: String, bytes: Int) -> String {
        var kept: [Character] = []
        var used = 0
        for character in text.reversed() {
            let size = character.utf8.count
            guard used + size <= bytes else { break }
            kept.append(character)
            used += size
        }
        return String(kept.reversed())
    }

    /// Runs the child to its end; returns its status and the end of its stderr.
    private static func runChild(script: String, input: [UInt8]) async throws -> (TerminationStatus, [UInt8]) {
        let result = try await Subprocess.run(
            .path(FilePath("/bin/sh")), arguments: ["-c", script],
            input: .inputWriter, output: .sequence, error: .sequence
        ) { execution in
            async let fed: Void = feed(execution.standardInputWriter, input)
            async let dropped: [UInt8] = tail(of: execution.standardOutput, keeping: 0)
            async let errors: [UInt8] = tail(of: execution.standardError, keeping: keptErrorBytes)
            _ = await fed
            _ = try await dropped
            return try await errors
        }
        return (result.terminationStatus, result.closureResult)
    }

    /// Writes `input` to the child's stdin and closes it; a child that stopped reading (EPIPE) or
    /// exited ends the writing quietly.
    private static func feed(_ writer: StandardInputWriter, _ input: [UInt8]) async {
        _ = try? await writer.write(input)
        try? await writer.finish()
    }

    /// Reads a stream to its end, keeping its last `limit` bytes.
    private static func tail(of stream: SubprocessOutputSequence, keeping limit: Int) async throws -> [UInt8] {
        var kept: [UInt8] = []
        for try await buffer in stream {
            guard limit > 0 else { continue }
            buffer.withUnsafeBytes { kept.append(contentsOf: $0) }
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }
        return kept
    }
}

/// Runs async work to its end from a synchronous caller that is not on Swift's cooperative pool
/// (compctl's main thread), waiting on a semaphore.
enum Blocking {
    /// Runs `body` and returns its result.
    static func run<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) -> Result<Value, any Error> {
        let outcome = Mutex<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<Value, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 } ?? .failure(CancellationError())
    }
}

/// Extends one command's lease from a thread of its own while its handler runs: every half
/// lease it asks for one more lease length. Stops when told, or when the broker says the lease
/// is no longer this instance's.
final class LeaseExtender: Sendable {
    private let command: RetryCommand
    private let subscriber: Subscriber
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The lease length asked for at each extension, in ms.
    let leaseLength: Int64

    init(command: RetryCommand, subscriber: Subscriber) {
        self.command = command
        self.subscriber = subscriber
        leaseLength = max(1000, command.leaseDeadline - WallClock.now().milliseconds)
    }

    /// Starts the extending thread.
    func start() {
        Thread { [self] in
            defer { finished.signal() }
            let interval = DispatchTimeInterval.milliseconds(Int(leaseLength / 2))
            // Wakes every half lease until stopped; a failed extension is tried at the next wake.
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                do {
                    if try subscriber.extend(command, byMilliseconds: Int(leaseLength)) == nil { return }
                } catch {
                    FileHandle.standardError.write(Data(
                        "compctl: extending the lease of execution \(command.executionId) failed: \(error)\n".utf8))
                }
            }
        }.start()
    }

    /// Stops extending and waits for the thread to end (at most one extension request).
    func stop() {
        stopped.signal()
        finished.wait()
    }
}

import Foundation

/// Runs compctl and returns its exit status, stdout and stderr; a run that has not ended after 120 s
/// is killed and the call throws (a hang fails the test instead of hanging the suite).
func compctl(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let run = try compctl(arguments, deadline: 120)
    if run.hung { throw TestFailure("compctl \(arguments.joined(separator: " ")) did not end within 120 s") }
    return (run.status, run.out, run.err)
}

/// Runs compctl and gives up (killing it) after `seconds`: a hang is a test failure, not a hung
/// suite. stdout and stderr are read concurrently while it runs.
func compctl(_ arguments: [String], deadline seconds: Double) throws -> (status: Int32, out: String, err: String, hung: Bool) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try builtProduct("compctl"))
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let outData = Locked(Data())
    let errData = Locked(Data())
    let readers = DispatchGroup()
    for (pipe, sink) in [(out, outData), (err, errData)] {
        readers.enter()
        Thread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            sink.with { $0 = data }
            readers.leave()
        }.start()
    }
    try process.run()
    let ended = DispatchSemaphore(value: 0)
    Thread {
        process.waitUntilExit()
        ended.signal()
    }.start()
    var hung = false
    if ended.wait(timeout: .now() + seconds) == .timedOut {
        hung = true
        kill(process.processIdentifier, SIGKILL)
        ended.wait()
    }
    _ = readers.wait(timeout: .now() + 10)
    return (process.terminationStatus, String(decoding: outData.with { $0 }, as: UTF8.self),
            String(decoding: errData.with { $0 }, as: UTF8.self), hung)
}

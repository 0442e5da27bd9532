import CompClient
import Foundation

/// A real `sagademo` process (one role of the choreography), its stderr in `<directory>/<role>.log`.
///
/// Owned by one test, on its own thread.
final class SagaDemoProcess {
    let role: String
    let directory: String
    let arguments: [String]
    private(set) var process: Process?

    /// The role's own database file.
    var databasePath: String { directory + "/\(role).db" }
    /// What the process logged.
    var log: String { (try? String(contentsOfFile: directory + "/\(role).log", encoding: .utf8)) ?? "" }

    /// A role `role` in `directory`, talking to `broker`; `extraArguments` are fault flags and the like.
    /// Hand-off files: `orders.handoff` → order → `order.out` → exchange → `exchange.out` → point.
    init(role: String, directory: String, broker: String, extraArguments: [String] = []) {
        self.role = role
        self.directory = directory
        let inbox = ["order": "orders.handoff", "exchange": "order.out", "point": "exchange.out"][role] ?? "orders.handoff"
        arguments = ["--role", role, "--broker", broker, "--db", directory + "/\(role).db",
                     "--inbox", directory + "/" + inbox]
            + (role == "point" ? [] : ["--outbox", directory + "/\(role).out"])
            + extraArguments
    }

    /// Starts the process and waits (30 s at most) until its database has its tables.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("sagademo"))
        process.arguments = arguments
        let logPath = directory + "/\(role).log"
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        let ready = try eventually(30) {
            if !process.isRunning { throw TestFailure("sagademo \(role) exited: \(self.log)") }
            return self.log.contains("ready")
        }
        if !ready { throw TestFailure("sagademo \(role) did not get ready: \(self.log)") }
    }

    /// Sends `signal` to the process (SIGSTOP, SIGCONT, …).
    func signal(_ signal: Int32) {
        if let process { kill(process.processIdentifier, signal) }
    }

    /// Stops the process (SIGKILL after a SIGCONT, so a stopped one ends too) and waits for it.
    func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// The number of ledger rows of saga `sagaId` with operation `op` in the role's database.
    func count(_ op: String, saga sagaId: String) throws -> Int {
        let database = try ServiceDatabase(path: databasePath)
        let rows = try database.query(
            "SELECT count(*) FROM ledger WHERE saga_id = ?1 AND op = ?2", .text(sagaId), .text(op))
        return Int(rows.first?.first?.integer ?? -1)
    }

    /// Every ledger and barrier row of saga `sagaId` in the role's database.
    func rows(saga sagaId: String) throws -> Int {
        let database = try ServiceDatabase(path: databasePath)
        let ledger = try database.query("SELECT count(*) FROM ledger WHERE saga_id = ?1", .text(sagaId))
        let barrier = try database.query("SELECT count(*) FROM compd_barrier WHERE saga_id = ?1", .text(sagaId))
        return Int((ledger.first?.first?.integer ?? -1) + (barrier.first?.first?.integer ?? -1))
    }

    /// The last inbox message the role handled (0: none).
    func inboxCursor() throws -> Int64 {
        let database = try ServiceDatabase(path: databasePath)
        return try database.query("SELECT seq FROM inbox_cursor WHERE id = 1").first?.first?.integer ?? 0
    }

    deinit { stop() }
}

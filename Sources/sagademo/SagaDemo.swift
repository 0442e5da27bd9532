import ArgumentParser
import CompClient

/// `sagademo`: one service of the choreography seed (order, exchange, point) as a real process, with its own
/// SQLite database and saga barrier, handing orders on through small SQLite files.
@main
struct SagaDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagademo",
        abstract: "One service of the order/exchange/point choreography, for the saga end-to-end tests.")

    @Option(help: "The role: order (step 0), exchange (step 1) or point (step 2, last).")
    var role: String

    @Option(help: "The broker's request address (tcp://HOST:PORT or ipc://PATH).")
    var broker: String

    @Option(help: "This service's own SQLite database (ledger, inbox cursor, barrier).")
    var db: String

    @Option(help: "The SQLite hand-off file this role reads orders from.")
    var inbox: String

    @Option(help: "The SQLite hand-off file this role hands orders on through (none for the last role).")
    var outbox: String?

    @Option(name: .customLong("deadline-ms"), help: "The order role: the saga's deadline after the order, in ms.")
    var deadlineMilliseconds: Int64 = 1000

    @Flag(name: .customLong("fail-unrecoverably"), help: "The forward fails unrecoverably (the saga aborts).")
    var failUnrecoverably = false

    @Option(help: "The forward takes this long before its effect: 1500ms, 2s, or milliseconds.")
    var delay: String?

    @Flag(name: .customLong("report-twice"), help: "Every compensation runs twice and its result is sent twice.")
    var reportTwice = false

    func validate() throws {
        guard Role(rawValue: role) != nil else {
            throw ValidationError("--role must be order, exchange or point, not '\(role)'")
        }
        if let delay, Faults.milliseconds(delay) == nil {
            throw ValidationError("--delay must be like 1500ms, 2s or a number of milliseconds, not '\(delay)'")
        }
        guard deadlineMilliseconds > 0 else { throw ValidationError("--deadline-ms must be positive") }
    }

    func run() throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("--role must be order, exchange or point") }
        let faults = Faults(
            failUnrecoverably: failUnrecoverably, delayMilliseconds: delay.flatMap(Faults.milliseconds) ?? 0,
            reportTwice: reportTwice)
        let service = try RoleService(
            role: role, ledger: try Ledger(path: db), inbox: try Handoff(path: inbox),
            outbox: try outbox.map { path throws(ServiceDatabaseError) in try Handoff(path: path) },
            connection: try BrokerConnection(address: broker, timeoutMilliseconds: 2000), faults: faults,
            deadlineMilliseconds: deadlineMilliseconds)
        service.run()
    }
}

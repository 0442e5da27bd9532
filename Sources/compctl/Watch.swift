import ArgumentParser
import CompClient
import CompModel
import CompTransport
import CompWire
import Foundation

/// `compctl watch`: prints state-change events as they come.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the broker's state changes as they happen (best effort).")

    @Option(help: "The broker's event address: tcp://HOST:PORT (or HOST:PORT) or ipc:///path.") var events = "tcp://127.0.0.1:7451"
    @Option(help: "Only events of this service.") var service: String?
    /// The event kinds the broker publishes (PROTOCOL.md section 5.1; `stale` publishes none) and
    /// the service events `pause` and `resume`.
    static let kinds = [
        "failure", "success", "failure-result", "success-result", "leased", "extended", "timeout", "returned",
        "retry", "apply-spec", "mark", "change-function", "park", "discard", "pause", "resume",
    ]

    @Option(help: ArgumentHelp(
        "Only these kinds; repeat or comma-separate. One of: \(Watch.kinds.joined(separator: ", ")). A park shows as the kind that caused it; use --status PARKED for every park.",
        valueName: "kind"))
    var kind: [String] = []
    @Option(help: "Only events after which the execution has this status (e.g. PARKED).") var status: String?
    @Option(help: "Stop after this many events.") var count: Int?
    @Option(name: .customLong("for"), help: "Stop after this long.") var duration: String?
    @Flag(help: "Print JSON lines.") var json = false

    func validate() throws {
        if let problem = TransportAddress.problem(with: events) { throw ValidationError("--events: \(problem)") }
        _ = try parseDuration(duration, "--for")
        if let status, Names.statusCode(status) == nil {
            throw ValidationError("unknown status `\(status)`; use FAILED, PREPARED, SUCCEEDED, PARKED or DISCARDED")
        }
        for name in kind.flatMap({ $0.split(separator: ",").map(String.init) }) where !Self.kinds.contains(name) {
            let hint = name.lowercased() == "parked" ? " (a park is not a kind: use --status PARKED)" : ""
            throw ValidationError("unknown kind `\(name)`\(hint); use one of \(Self.kinds.joined(separator: ", "))")
        }
    }

    func run() throws {
        try guarded {
            let stream = try EventStream(address: events)
            let kinds = Set(kind.flatMap { $0.split(separator: ",").map(String.init) })
            let stopAt = try parseDuration(duration, "--for").map { Deadline(inMilliseconds: Int64($0)) }
            var printed = 0
            while count.map({ printed < $0 }) ?? true {
                if let stopAt, stopAt.hasPassed { break }
                guard let item = try stream.nextItem(timeoutMilliseconds: 500) else { continue }
                let event: Event
                switch item {
                case .execution(let value): event = value
                case .service(let change):
                    if let service, change.service != service { continue }
                    if !kinds.isEmpty, !kinds.contains(change.kind) { continue }
                    if status != nil { continue }
                    printed += 1
                    printServiceEvent(change)
                    continue
                }
                if let service, event.service != service { continue }
                if !kinds.isEmpty, !kinds.contains(event.kind) { continue }
                if let status, Names.statusCode(status) != event.status { continue }
                printed += 1
                if json {
                    struct EventJSON: Encodable {
                        let seq: Int64
                        let at: String
                        let executionId: Int64
                        let kind: String
                        let status: String
                        let parkReason: String?
                        let retries: UInt32
                        let service, processor, function, eventId: String
                        let correlationId: String?
                        let error: [String: String]?
                        let actor: String?
                    }
                    printJSON(EventJSON(
                        seq: event.seq, at: Names.time(event.at), executionId: event.executionId, kind: event.kind,
                        status: Names.status(event.status), parkReason: Names.reason(event.parkReason),
                        retries: event.retries, service: event.service, processor: event.processor,
                        function: event.function, eventId: event.eventId,
                        correlationId: event.correlationId.isEmpty ? nil : event.correlationId,
                        error: event.errorCode.isEmpty ? nil : ["code": event.errorCode, "message": event.errorMessage],
                        actor: event.actor))
                } else {
                    var status = Names.status(event.status)
                    if let reason = Names.reason(event.parkReason) { status += "(\(reason))" }
                    print("\(Names.time(event.at))  \(event.executionId)  \(event.kind) -> \(status)  \(event.service)/\(event.processor)/\(event.function) event=\(event.eventId) retries=\(event.retries)\(event.errorCode.isEmpty ? "" : " error=\(event.errorCode)")\(event.actor.map { " by \($0)" } ?? "")")
                }
                fflush(nil)
            }
        }
    }

    private func printServiceEvent(_ change: ServiceEvent) {
        if json {
            struct ServiceEventJSON: Encodable {
                let at: String
                let kind: String
                let service: String
            }
            printJSON(ServiceEventJSON(at: Names.time(change.at), kind: change.kind, service: change.service))
        } else {
            print("\(Names.time(change.at))  service \(change.service): \(change.kind)")
        }
        fflush(nil)
    }
}

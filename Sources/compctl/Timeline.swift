import ArgumentParser
import CompClient
import CompWire
import Foundation

/// `compctl timeline CORRELATION-ID`: every execution and journal row of one correlation id.
struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every execution and record of one correlation id, across services, in time order.")

    @Argument(help: "The correlation id.") var correlationId: String
    @OptionGroup var connection: ConnectionOptions

    func validate() throws { try validateName(correlationId, "CORRELATION-ID") }

    func run() throws {
        try guarded {
            let reply: TimelineReply
            do {
                reply = try AdminClient(connection: try connection.connect()).timeline(correlationId)
            } catch {
                if (error as? ClientError)?.brokerCode == .unknownMessageType {
                    throw Failure("this broker does not answer timeline requests; upgrade compd", exitCode: ExitStatus.refused)
                }
                throw error
            }
            if connection.json {
                struct EntryJSON: Encodable {
                    let executionId: Int64
                    let seq: Int64
                    let at: String
                    let kind: String
                    let summary: String
                    let actor: String?
                }
                struct TimelineJSON: Encodable {
                    let correlationId: String
                    let executions: [ExecutionJSON]
                    let entries: [EntryJSON]
                    let omittedExecutions: UInt32
                    let omittedEntries: UInt32
                }
                printJSON(TimelineJSON(
                    correlationId: correlationId, executions: reply.executions.map { ExecutionJSON($0) },
                    entries: reply.entries.map {
                        EntryJSON(executionId: $0.executionId, seq: $0.entry.seq, at: Names.time($0.entry.at),
                                  kind: $0.entry.kind, summary: $0.entry.summary, actor: $0.entry.actor)
                    },
                    omittedExecutions: reply.omittedExecutions ?? 0, omittedEntries: reply.omittedEntries ?? 0))
            } else if reply.executions.isEmpty, reply.entries.isEmpty {
                print("no executions with correlation id \(correlationId)")
            } else {
                print("executions:")
                print(table(reply.executions))
                print("records and changes, in time order:")
                for item in reply.entries {
                    print("  \(Names.time(item.entry.at))  \(item.executionId)  \(item.entry.kind)  \(item.entry.summary)\(item.entry.actor.map { "  by \($0)" } ?? "")")
                }
                if let omitted = reply.omittedExecutions { print("(\(omitted) more executions did not fit in one reply)") }
                if let omitted = reply.omittedEntries { print("(\(omitted) later rows did not fit in one reply)") }
            }
            if reply.executions.isEmpty, reply.entries.isEmpty { throw ExitCode(ExitStatus.nothingMatched) }
        }
    }
}

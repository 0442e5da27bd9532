import ArgumentParser
import CompClient
import CompWire
import Foundation

/// compctl's exit codes (docs/CLI.md): sysexits where one fits.
enum ExitStatus {
    /// The broker refused: nothing changed although something matched; a record was rejected; a
    /// confirmation was not given.
    static let refused: Int32 = 1
    /// Nothing matched: no execution has the id, the filter matched none, the correlation id has none.
    static let nothingMatched: Int32 = 3
    /// Fewer retry commands came than `subscribe --count` asked for within `--wait` (EX_TEMPFAIL).
    static let incomplete: Int32 = 75
}

extension Failure {
    /// The one wording of "no such execution", for every command.
    static func notFound(_ id: Int64) -> Failure {
        Failure("execution \(id) not found", exitCode: ExitStatus.nothingMatched)
    }
}

/// Runs one action on executions and prints its result; exits 0 when it changed some, 1 when the
/// broker refused all it matched, 3 when it matched nothing. With `--dry-run` it only previews;
/// a filter matching more than `ActionOptions.confirmationThreshold` executions needs a yes.
///
/// - Returns: The broker's reply (nil after a dry run) when `exitOnResult` is false; the caller
///   then calls `exitForResult`.
@discardableResult
func perform(_ action: AdminAction, _ target: ActionTarget, _ connection: ConnectionOptions, _ options: ActionOptions,
             _ verb: Verb, force: Bool = false, exitOnResult: Bool = true) throws -> ActionReply? {
    let admin = AdminClient(connection: try connection.connect())
    if options.dryRun {
        try dryRun(action, target, admin, connection, verb, force: force)
        return nil
    }
    if case .filter(let filter) = target, !options.yes {
        let page = try admin.list(filter, limit: ActionOptions.confirmationThreshold + 1)
        if page.executions.count > ActionOptions.confirmationThreshold {
            try confirm(verb, more: ActionOptions.confirmationThreshold)
        }
    }
    let reply: ActionReply
    do {
        reply = try admin.act(action, on: target, force: force, actor: Actor.current)
    } catch let error {
        guard case .execution(let id) = target else { throw error }
        if error.brokerCode == .unknownExecution { throw Failure.notFound(id) }
        if error.brokerCode == .notAllowed, action == .retryNow, !force,
            let view = try? admin.show(id).execution, view.status == 2 {
            let holder = view.leaseHolder.map { " to \($0)" } ?? ""
            let until = view.leaseUntil.map { " until \(Names.time($0))" } ?? ""
            throw Failure("""
                execution \(id) is leased\(holder)\(until) (PREPARED): its attempt is running, and retrying now \
                would run it twice. Wait for its result, or add --force to fence the lease (the holder's \
                result will be refused as stale) and retry now
                """, exitCode: ExitStatus.refused)
        }
        throw error
    }
    if connection.json {
        struct FailureJSON: Encodable {
            let executionId: Int64
            let code: String
            let message: String
        }
        struct ActionJSON: Encodable {
            let matched: UInt32
            let changed: UInt32
            let failures: [FailureJSON]
        }
        printJSON(ActionJSON(
            matched: reply.matched, changed: reply.changed,
            failures: reply.failures.map {
                FailureJSON(executionId: $0.executionId, code: Names.code($0.code), message: $0.message)
            }))
    } else if reply.matched == 0 {
        print("\(verb.done): nothing matched; nothing changed")
    } else {
        print("\(verb.done): \(reply.changed) of \(reply.matched) changed")
        for failure in reply.failures {
            print("  \(failure.executionId): \(Names.code(failure.code)): \(failure.message)")
        }
        let notAllowed = reply.failures.contains { $0.code == ErrorCode.notAllowed.rawValue }
        if action == .retryNow, !force, notAllowed {
            print("leased (PREPARED) executions are refused while their attempt runs; --force fences their lease and retries them")
        }
    }
    if exitOnResult { try exitForResult(reply) }
    return reply
}

/// Exits 3 when the action matched nothing, 1 when it changed nothing; returns when it changed some.
func exitForResult(_ reply: ActionReply) throws {
    if reply.matched == 0 { throw ExitCode(ExitStatus.nothingMatched) }
    if reply.changed == 0 { throw ExitCode(ExitStatus.refused) }
}

/// Pause or resume a service and say what changed.
func performOnService(_ action: AdminAction, _ service: String, _ connection: ConnectionOptions, verb: String) throws {
    let reply = try AdminClient(connection: try connection.connect()).act(action, on: .service(service), actor: Actor.current)
    if connection.json {
        struct ServiceActionJSON: Encodable {
            let service: String
            let changed: Bool
        }
        printJSON(ServiceActionJSON(service: service, changed: reply.changed > 0))
    } else if reply.changed == 0 {
        // The broker counts 1 changed when the service's state changed.
        print("\(verb): no change (service \(service) was already \(action == .pause ? "paused" : "not paused"))")
    } else {
        print("\(verb): service \(service)")
    }
}

/// Asks on the terminal before acting on many executions; refuses without a terminal.
func confirm(_ verb: Verb, more threshold: Int) throws {
    guard isatty(STDIN_FILENO) == 1 else {
        throw Failure(
            "the filter matches more than \(threshold) executions; add --yes to \(verb.base) them all, or --dry-run to see them; nothing changed",
            exitCode: ExitStatus.refused)
    }
    FileHandle.standardError.write(Data("compctl: \(verb.base) more than \(threshold) executions? Type yes to go on: ".utf8))
    guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
        throw Failure("not confirmed; nothing changed", exitCode: ExitStatus.refused)
    }
}

/// Lists what the action would do to each matched execution; changes nothing.
private func dryRun(_ action: AdminAction, _ target: ActionTarget, _ admin: AdminClient, _ connection: ConnectionOptions,
                    _ verb: Verb, force: Bool) throws {
    var views: [ExecutionView] = []
    switch target {
    case .execution(let id):
        do {
            views = [try admin.show(id).execution]
        } catch {
            if error.brokerCode == .unknownExecution { throw Failure.notFound(id) }
            throw error
        }
    case .filter(let filter):
        var cursor: Int64 = 0
        repeat {
            let page = try admin.list(filter, cursor: cursor, limit: 1000)
            views += page.executions
            cursor = page.nextCursor
        } while cursor != 0
    case .service:
        return
    }
    let previews = views.map { ($0, Preview.outcome(of: action, force: force, on: $0)) }
    let changing = previews.filter { if case .changes = $0.1 { true } else { false } }.count
    if connection.json {
        struct ItemJSON: Encodable {
            let executionId: Int64
            let status: String
            let after: String?
            let refusal: String?
        }
        struct DryRunJSON: Encodable {
            let dryRun = true
            let matched: Int
            let wouldChange: Int
            let executions: [ItemJSON]
        }
        printJSON(DryRunJSON(matched: views.count, wouldChange: changing, executions: previews.map { view, result in
            switch result {
            case .changes(let after): ItemJSON(executionId: view.id, status: status(view), after: after, refusal: nil)
            case .refused(let why): ItemJSON(executionId: view.id, status: status(view), after: nil, refusal: why)
            }
        }))
    } else {
        for (view, result) in previews {
            switch result {
            case .changes(let after): print("  \(view.id)  \(status(view)) -> \(after)")
            case .refused(let why): print("  \(view.id)  \(status(view)): refused: \(why)")
            }
        }
        print("dry run: \(verb.base) would change \(changing) of \(views.count) matched; nothing was changed")
    }
    if views.isEmpty { throw ExitCode(ExitStatus.nothingMatched) }
    if changing == 0 { throw ExitCode(ExitStatus.refused) }
}

/// `STATUS` or `STATUS(reason)`.
func status(_ view: ExecutionView) -> String {
    var text = Names.status(view.status)
    if let reason = Names.reason(view.parkReason) { text += "(\(reason))" }
    return text
}

/// A payload in JSON: its size, and its text when it is UTF-8, else its hex.
struct PayloadJSON: Encodable {
    let bytes: Int
    let text: String?
    let hex: String?

    init(_ payload: [UInt8]) {
        bytes = payload.count
        text = String(validating: payload, as: UTF8.self)
        hex = text == nil ? payload.map { String(format: "%02x", $0) }.joined() : nil
    }

    /// The payload for people: `payload: none`, its text, or its hex.
    static func describe(_ payload: [UInt8], writtenTo file: String?) -> String {
        let saved = file.map { " (written to \($0))" } ?? ""
        if payload.isEmpty { return "payload: none\(saved)" }
        if let text = String(validating: payload, as: UTF8.self) {
            return "payload (\(payload.count) bytes, UTF-8)\(saved):\n\(text)"
        }
        return "payload (\(payload.count) bytes, hex)\(saved):\n" + payload.map { String(format: "%02x", $0) }.joined()
    }
}

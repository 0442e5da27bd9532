import ArgumentParser
import CompAuth
import CompClient
import CompWire
import Foundation

/// `compctl keys create | list | revoke`: key administration over the wire (an operator key signs them).
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make, list or revoke the broker's keys (needs an operator key: --key or COMPCTL_KEY).",
        subcommands: [KeysCreate.self, KeysList.self, KeysRevoke.self])
}

/// `compctl keys create --name N --role R [--service S ...] [--output FILE]`.
struct KeysCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Make a key; print its key line (id:secret) once, or write it to --output (mode 0600).")
    @Option(help: "A name for people.") var name: String
    @Option(help: ArgumentHelp("subscriber or operator.", valueName: "role")) var role: String
    @Option(help: ArgumentHelp("A service a subscriber key may act for; repeat for several.", valueName: "service"))
    var service: [String] = []
    @Option(help: ArgumentHelp("Write the key line to this new file (mode 0600) instead of printing it.", valueName: "file"))
    var output: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try validateName(name, "--name")
        guard let keyRole = KeyRole(name: role) else {
            throw ValidationError("--role must be subscriber or operator; got `\(role)`")
        }
        switch keyRole {
        case .subscriber:
            guard !service.isEmpty else { throw ValidationError("a subscriber key needs at least one --service") }
            for name in service { try validateName(name, "--service") }
        case .operator:
            guard service.isEmpty else { throw ValidationError("an operator key may use every service; leave out --service") }
        }
        if let output, FileManager.default.fileExists(atPath: output) {
            throw ValidationError("--output \(output) exists; compctl does not overwrite a key file")
        }
    }

    func run() throws {
        try guarded {
            let keyRole = KeyRole(name: role) ?? .subscriber
            let created = try keyRequest {
                try AdminClient(connection: try connection.connect()).createKey(name: name, role: keyRole.rawValue, services: service)
            }
            let line = AuthKey(id: created.key.id, secret: created.secret).line
            if let output {
                try writeKeyFile(line + "\n", to: output)
            }
            if connection.json {
                struct CreatedJSON: Encodable {
                    let key: KeyJSON
                    /// The key line, when it was not written to a file.
                    let line: String?
                    let file: String?
                }
                printJSON(CreatedJSON(key: KeyJSON(created.key), line: output == nil ? line : nil, file: output))
            } else if output == nil {
                print(line)
            }
            let saved = output.map { "written to \($0) (mode 0600)" } ?? "the line above"
            FileHandle.standardError.write(Data("""
                compctl: key \(created.key.id) (\(keyRole), \(name)) made; its key line is \(saved) and is not shown again: \
                keep it in a file of mode 0600 and pass it with --key FILE or COMPCTL_KEY.

                """.utf8))
        }
    }

    /// Writes `text` to a new file of mode 0600 (refuses an existing file).
    private func writeKeyFile(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw Failure("--output \(path): cannot create (\(String(cString: strerror(errno))))", exitCode: 73)
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw Failure("--output \(path): cannot write (\(String(cString: strerror(errno))))", exitCode: 74)
        }
    }
}

/// `compctl keys list`: every key, oldest first, never a secret.
struct KeysList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys (never their secrets), oldest first.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try guarded {
            var keys: [KeyView] = []
            try keyRequest {
                let client = AdminClient(connection: try connection.connect(attempts: 4))
                var cursor = ""
                repeat {
                    let page = try client.keys(cursor: cursor)
                    keys += page.keys
                    cursor = page.nextCursor
                } while !cursor.isEmpty
            }
            if connection.json {
                printJSON(keys.map(KeyJSON.init))
            } else if keys.isEmpty {
                print("no keys")
            } else {
                print(KeyText.table(keys))
            }
        }
    }
}

/// `compctl keys revoke ID`.
struct KeysRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a key: the broker refuses it from its next request on (no restart).")
    @Argument(help: "The key's id (k_...).") var id: String
    @OptionGroup var connection: ConnectionOptions

    func validate() throws { try validateName(id, "ID") }

    func run() throws {
        try guarded {
            let reply = try keyRequest(notFound: id) { try AdminClient(connection: try connection.connect()).revokeKey(id) }
            if connection.json {
                struct RevokedJSON: Encodable {
                    let id: String
                    let revokedAt: String
                }
                printJSON(RevokedJSON(id: reply.keyId, revokedAt: Names.time(reply.revokedAt)))
            } else {
                print("revoked: key \(reply.keyId) at \(Names.time(reply.revokedAt))")
            }
        }
    }
}

/// Runs a key request and turns the broker's refusals into compctl's exits, naming the code: 3 when no key has
/// the id, 1 for a refusal (`forbidden`, `unauthenticated`, `invalid_field`) or a broker too old for keys.
func keyRequest<T>(notFound id: String? = nil, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ClientError {
        guard case .broker(let raw, let message) = error else { throw error }
        switch ErrorCode(rawValue: raw) {
        case .unknownMessageType?:
            throw Failure("this broker does not answer key requests; upgrade compd", exitCode: ExitStatus.refused)
        case .notFound?:
            throw Failure("key \(id ?? "") not found (not_found): \(message)", exitCode: ExitStatus.nothingMatched)
        case .forbidden?:
            throw Failure("refused (forbidden): \(message); key requests need an operator key", exitCode: ExitStatus.refused)
        case .unauthenticated?, .replayed?:
            throw Failure("refused (\(Names.code(raw))): \(message); pass an operator key with --key FILE or COMPCTL_KEY",
                          exitCode: ExitStatus.refused)
        default:
            throw error
        }
    }
}

/// A key as JSON: never its secret.
struct KeyJSON: Encodable {
    let id: String
    let name: String
    let role: String
    let services: [String]
    let createdAt: String
    let revokedAt: String?

    init(_ view: KeyView) {
        id = view.id
        name = view.name
        role = KeyRole(rawValue: view.role).map { "\($0)" } ?? "role_\(view.role)"
        services = view.services
        createdAt = Names.time(view.createdAt)
        revokedAt = view.revokedAt.map(Names.time)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(services, forKey: .services)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(revokedAt, forKey: .revokedAt)
    }

    private enum CodingKeys: String, CodingKey { case id, name, role, services, createdAt, revokedAt }
}

/// The `keys list` table.
enum KeyText {
    static func table(_ keys: [KeyView]) -> String {
        let header = ["ID", "NAME", "ROLE", "SERVICES", "CREATED", "REVOKED"]
        let rows = keys.map { key in
            [key.id, key.name, KeyRole(rawValue: key.role).map { "\($0)" } ?? "role_\(key.role)",
             key.services.isEmpty ? "*" : key.services.joined(separator: ","), Names.time(key.createdAt),
             key.revokedAt.map(Names.time) ?? "-"]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([render(header)] + rows.map(render)).joined(separator: "\n")
    }
}

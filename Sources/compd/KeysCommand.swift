import ArgumentParser
import CompAuth
import CompBroker
import Foundation

/// `compd keys`: key administration on a data directory while compd is stopped.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make keys on a data directory while compd is stopped (the first operator key).",
        subcommands: [KeysCreate.self])
}

/// `compd keys create --data DIR --name N --role R [--service S ...]`.
struct KeysCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a key and print its key file line (id:secret) once; refuses while a compd holds DIR.")

    @Option(help: ArgumentHelp("compd's data directory.", valueName: "dir"))
    var data: String

    @Option(help: "A name for people.")
    var name: String

    @Option(help: ArgumentHelp("subscriber or operator.", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("A service a subscriber key may act for; repeat for several.", valueName: "service"))
    var service: [String] = []

    func validate() throws {
        guard KeyRole(name: role) != nil else { throw ValidationError("--role must be subscriber or operator, got \(role)") }
    }

    func run() throws {
        guard let role = KeyRole(name: role) else { throw ExitCode(64) }
        do {
            let key = try KeyAdmin.create(dataDirectory: data, name: name, role: role, services: service,
                                          now: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
            print(key.line)
            FileHandle.standardError.write(Data("""
                compd: key \(key.id) (\(role), \(name)) made; the line above is its key file content, shown once: \
                save it in a file of mode 0600 and give it to compctl with --key FILE or COMPCTL_KEY.

                """.utf8))
        } catch {
            FileHandle.standardError.write(Data("compd keys create: \(error)\n".utf8))
            switch error {
            case .invalidConfig: throw ExitCode(64)
            case .locked: throw ExitCode(75)
            default: throw ExitCode(74)
            }
        }
    }
}

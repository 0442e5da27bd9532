import Glibc
import Synchronization

/// Helpers for nanomsg address strings (`ipc:///path`, `tcp://host:port`).
public enum TransportAddress {
    private static let counter = Atomic<Int>(0)

    /// A fresh `ipc:///tmp/...` address no other caller in any process gets, for tests and
    /// throwaway sockets: the name joins the prefix, the process id, a per-process counter and a
    /// random number. nanomsg deletes the socket file when the socket bound to it closes.
    ///
    /// - Parameter prefix: A short readable tag; the whole path must stay under 108 bytes.
    /// - Returns: The address.
    public static func temporaryIPC(prefix: String) -> String {
        let sequence = counter.add(1, ordering: .relaxed).newValue
        let random = String(UInt32.random(in: .min ... .max), radix: 36)
        return "ipc:///tmp/\(prefix)-\(getpid())-\(sequence)-\(random).ipc"
    }

    /// A TCP address on the loopback interface.
    ///
    /// - Parameter port: The port.
    /// - Returns: `tcp://127.0.0.1:port`.
    public static func loopbackTCP(port: Int) -> String {
        "tcp://127.0.0.1:\(port)"
    }

    /// The file-system path of an `ipc://` address, or `nil` for other transports.
    ///
    /// - Parameter address: The address.
    /// - Returns: The path after `ipc://`.
    public static func ipcPath(of address: String) -> String? {
        let scheme = "ipc://"
        guard address.hasPrefix(scheme) else { return nil }
        return String(address.dropFirst(scheme.count))
    }
    /// The forms an address may take, for messages.
    public static let expectedForms = "tcp://HOST:PORT or ipc:///path"

    /// The address nanomsg is given for `text`: `HOST:PORT` without a scheme (`127.0.0.1:7450`,
    /// `localhost:7450`, `*:7450`) is taken as `tcp://HOST:PORT`; anything else is returned as it is.
    ///
    /// - Parameter text: The address as a person typed it.
    /// - Returns: The address with its scheme.
    public static func normalized(_ text: String) -> String {
        guard !text.contains("://"), isHostAndPort(Substring(text)) else { return text }
        return "tcp://" + text
    }

    /// What is wrong with an address (after `normalized(_:)`), or nil when it has a usable form:
    /// `tcp://HOST:PORT` with a port in 1...65535, `ipc://PATH`, `inproc://NAME` or `ws://HOST:PORT[/PATH]`.
    ///
    /// - Parameter text: The address as a person typed it.
    /// - Returns: A message naming the expected forms, or nil.
    public static func problem(with text: String) -> String? {
        let address = normalized(text)
        let refusal = "expected \(expectedForms); got `\(text)`"
        if address.hasPrefix("tcp://") {
            return isHostAndPort(address.dropFirst("tcp://".count)) ? nil : refusal
        }
        if address.hasPrefix("ws://") {
            let rest = address.dropFirst("ws://".count)
            return isHostAndPort(rest.prefix { $0 != "/" }) ? nil : refusal
        }
        for scheme in ["ipc://", "inproc://"] where address.hasPrefix(scheme) {
            return address.count > scheme.count ? nil : "\(refusal) (the path is empty)"
        }
        return refusal
    }

    /// Whether `text` is `HOST:PORT`: a non-empty host (a name, an IPv4 address, `*`, an interface
    /// before `;`, or `[IPv6]`) and a port in 1...65535.
    private static func isHostAndPort(_ text: Substring) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        let port = text[text.index(after: colon)...]
        guard !host.isEmpty, !host.contains(" "), !port.isEmpty, port.count <= 5,
            port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port)
        else { return false }
        if host.contains(":") && !(host.hasPrefix("[") && host.hasSuffix("]")) && !host.contains(";") { return false }
        return (1...65535).contains(number)
    }
}

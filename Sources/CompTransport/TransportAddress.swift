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
}

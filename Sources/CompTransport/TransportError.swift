import CNanomsg
import Glibc

/// A failed nanomsg call, with the C error code and text captured where it failed.
///
/// Every transport call throws this one type. `code` is the `errno` value that `nn_errno()`
/// reported (or one the transport chose for a failure of its own, such as `EPROTO` for a
/// received message without a routing header); `message` is `nn_strerror(code)`.
public struct TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broad class of a failure, for callers that branch on it.
    public enum Kind: Equatable, Sendable {
        /// The send or receive timeout passed (`ETIMEDOUT`).
        case timedOut
        /// The socket was closed by its owner or the library is terminating (`EBADF`, `ETERM`).
        case closed
        /// Another socket already listens on the address (`EADDRINUSE`).
        case addressInUse
        /// Any other failure; see `code` and `message`.
        case other
    }

    /// The `errno` value of the failure.
    public let code: Int32
    /// The text `nn_strerror` gives for `code`.
    public let message: String
    /// What the transport was doing, such as `"bind"`, `"receive"` or `"reply"`.
    public let operation: String
    /// The address involved, when the socket was bound or connected to one.
    public let address: String?

    /// Creates an error from its parts; the text is looked up with `nn_strerror`.
    ///
    /// - Parameters:
    ///   - code: The `errno` value.
    ///   - operation: What the transport was doing.
    ///   - address: The address involved, if any.
    public init(code: Int32, operation: String, address: String? = nil) {
        self.code = code
        self.message = TransportError.text(for: code)
        self.operation = operation
        self.address = address
    }

    /// The class of this failure.
    public var kind: Kind {
        switch code {
        case ETIMEDOUT: return .timedOut
        case EBADF, ETERM: return .closed
        case EADDRINUSE: return .addressInUse
        default: return .other
        }
    }

    /// Whether a send or receive timeout passed.
    public var isTimeout: Bool { kind == .timedOut }

    /// Whether the socket is closed or the library is terminating; retrying cannot succeed.
    public var isClosed: Bool { kind == .closed }

    /// A one-line account, such as `bind ipc:///tmp/x failed: Address in use (errno 98)`.
    public var description: String {
        let target = address.map { " \($0)" } ?? ""
        // A malformed address: say which forms are expected.
        let hint = [EINVAL, EPROTONOSUPPORT].contains(code) ? address.flatMap(TransportAddress.problem(with:)) : nil
        return "\(operation)\(target) failed: \(message) (errno \(code))" + (hint.map { "; \($0)" } ?? "")
    }

    /// Captures `nn_errno()` right after a failed nanomsg call.
    static func current(_ operation: String, address: String? = nil) -> TransportError {
        TransportError(code: nn_errno(), operation: operation, address: address)
    }

    /// The error for a call made after the owner closed the socket.
    static func closed(_ operation: String, address: String? = nil) -> TransportError {
        TransportError(code: EBADF, operation: operation, address: address)
    }

    private static func text(for code: Int32) -> String {
        guard let text = nn_strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}

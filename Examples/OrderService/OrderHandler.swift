import CompClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The stock service the order handler depends on: down (a recoverable `StockUnavailable`) while the file
/// `failUntilFile` exists.
struct StockService: Sendable {
    /// While this file exists, reservations fail.
    let failUntilFile: String?

    /// Reserves the stock of one order.
    func reserve(order: String) throws {
        if let failUntilFile, FileManager.default.fileExists(atPath: failUntilFile) {
            throw StockUnavailable(order: order)
        }
    }
}

/// The stock service did not answer: a retry may succeed.
struct StockUnavailable: Error, CustomStringConvertible {
    let order: String
    var description: String { "the stock service is unavailable; order \(order) is not reserved yet" }
}

/// The order has no id: no retry can fix it.
struct MalformedOrder: Error, CustomStringConvertible {
    var description: String { "the OrderCreated event carries no order id" }
}

/// The order handler: reserves stock for each OrderCreated event.
struct OrderHandler: Sendable {
    /// The handler's key.
    let key: HandlerKey
    let stock: StockService

    init(service: String, stock: StockService) {
        key = HandlerKey(service: service, processor: "OrderProcessor", function: "onOrderCreated")
        self.stock = stock
    }

    /// Registers the handler with the seed's `@Retry(maxRetries = 5, minBackoff = 60, executionTimeout = 10)`,
    /// shortened so an example run takes seconds: 20 retries, 200 ms first delay (1 s at most), 10 s per run.
    func register(on client: CompensationClient) {
        let policy = RetryPolicy(
            maxRetries: 20, minBackoff: .milliseconds(200), maxBackoff: .seconds(1), executionTimeout: .seconds(10),
            recoverable: [StockUnavailable.self], unrecoverable: [MalformedOrder.self])
        client.register(key, policy: policy) { [stock] context in
            let order = String(decoding: context.payload, as: UTF8.self)
            guard !order.isEmpty else { throw MalformedOrder() }
            do {
                try stock.reserve(order: order)
            } catch {
                Self.log(order: order, attempt: context.attempt, outcome: "failed: \(error)")
                throw error
            }
            Self.log(order: order, attempt: context.attempt, outcome: "reserved")
        }
    }

    /// Prints one line per run of the handler (stdout, flushed).
    static func log(order: String, attempt: Int, outcome: String) {
        say("order \(order) attempt \(attempt): \(outcome)")
    }

    /// Prints how a first run was reported.
    static func log(order: String, attempt: Int, result: HandlingResult) {
        let status = result.outcome.map { "\($0.status), execution \($0.executionId)" } ?? "not reported"
        say("order \(order) reported: \(status)")
    }
}

/// Writes one line to stdout at once (unbuffered: a reader of the pipe sees it now).
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return write(STDOUT_FILENO, base + offset, buffer.count - offset)
        }
        if written > 0 {
            offset += written
        } else if written < 0, errno == EINTR {
            continue
        } else {
            return  // stdout is gone (the reader closed the pipe): nothing left to tell
        }
    }
}

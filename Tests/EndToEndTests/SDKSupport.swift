import CompClient
import Foundation

/// A dependency that timed out (the SDK tests' recoverable error).
struct DependencyTimeout: Error, CustomStringConvertible {
    var description: String { "the stock service did not answer in time" }
}

/// An order that can never be processed (the SDK tests' unrecoverable error).
struct InvalidOrder: Error, CustomStringConvertible {
    let reason: String
    var description: String { "invalid order: \(reason)" }
}

/// Polls `condition` every 10 ms (suspending, not blocking) until it holds or `seconds` pass.
func eventuallyAsync(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A SDK client on `broker`'s request address.
func sdkClient(_ broker: BrokerProcess, enabled: Bool = true, batchSize: Int = 100,
               batchDelay: Duration = .milliseconds(5)) throws -> CompensationClient {
    try CompensationClient(address: broker.listen, enabled: enabled, batchSize: batchSize, batchDelay: batchDelay)
}

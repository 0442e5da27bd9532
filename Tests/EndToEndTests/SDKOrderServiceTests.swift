import CompClient
import Foundation
import Testing

/// The SDK's example service, `orderservice` (built with the package), against a real compd.
struct SDKOrderServiceTests {
    @Test("orderservice: its order fails as retries while the stock dependency is down, then ends SUCCEEDED; SIGTERM exits 0")
    func flakyDependencyRecovers() async throws {
        try await onSDKThreads {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let broker = BrokerProcess(dataDirectory: directory.path)
            try broker.start()
            let failFile = directory.path + "/stock-down"
            let outputPath = directory.path + "/orderservice.out"
            #expect(FileManager.default.createFile(atPath: failFile, contents: nil))
            #expect(FileManager.default.createFile(atPath: outputPath, contents: nil))

            let process = Process()
            process.executableURL = URL(fileURLWithPath: try builtProduct("orderservice"))
            process.arguments = ["--broker", broker.listen, "--instance", "node-1", "--fail-until-file", failFile, "--order", "42"]
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let output = { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

            #expect(await eventuallyAsync { output().hasPrefix("ready\n") })
            // The first run fails and is reported; the broker's retries call the handler again and fail too.
            #expect(await eventuallyAsync { output().contains("order 42 attempt 2: failed") })
            let reported = try #require(output().split(separator: "\n").first { $0.hasPrefix("order 42 reported:") })
            let executionId = try #require(reported.split(separator: " ").last.flatMap { Int64($0) })
            let admin = try broker.admin()
            #expect(try admin.show(executionId).execution.status != 3)

            try FileManager.default.removeItem(atPath: failFile)  // the dependency recovers
            #expect(try await eventuallyAsync { try admin.show(executionId).execution.status == 3 })  // SUCCEEDED
            let shown = try admin.show(executionId)
            #expect(shown.execution.error.code == "StockUnavailable")
            #expect(shown.execution.recoverable == 1)
            #expect(output().contains(": reserved"))

            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(broker.stop() == 0)
        }
    }

    @Test("orderservice without --broker names the option and exits non-zero")
    func missingBroker() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("orderservice"))
        process.arguments = []
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("--broker"))
    }
}

import Foundation
import Testing

/// schemathesis (from PyPI; tools/test installs it) against a live compd seeded with executions in every
/// status: every response must conform to openapi/openapi.json, and no request gets a 5xx.
struct APITestsSchemathesis {
    /// The schemathesis executable on PATH.
    private func schemathesis() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/schemathesis"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestFailure("schemathesis is not installed: `pip install schemathesis` (tools/test does)")
    }

    @Test("schemathesis run --checks all finds no response outside the document and no 5xx")
    func conformsToTheDocument() async throws {
        let executable = try schemathesis()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        // Executions in every status: failed (with payloads), parked, discarded, leased.
        let outcomes = try api.broker.reporter().send(
            (0..<30).map { failureRecord(service: $0 % 2 == 0 ? "orders" : "billing", eventId: "e\($0)", correlationId: "order-\($0 % 5)",
                                         spec: quickSpec(maxRetries: 5, minBackoffMs: 1, timeoutMs: 60_000),
                                         payload: $0 % 3 == 0 ? [0xff, 0x01] : Array("payload \($0)".utf8)) })
        let ids = outcomes.map(\.executionId)
        #expect(try await api.post("/api/v1/executions/\(ids[0])/actions", ["action": "park"]).status == 200)
        #expect(try await api.post("/api/v1/executions/\(ids[1])/actions", ["action": "discard"]).status == 200)
        #expect(try await api.post("/api/v1/executions/\(ids[2])/actions", ["action": "mark", "recoverable": "unrecoverable"]).status == 200)
        _ = try? api.broker.subscriber(service: "billing", instance: "st").fetch(max: 2, waitMilliseconds: 2000)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--config-file", packageRoot.appendingPathComponent("openapi/schemathesis.toml").path,
            "run", api.base + "/api/openapi.json", "--url", api.base, "--checks", "all",
            "--max-examples", "25", "--exclude-path", "/api/v1/feed", "--no-color", "--workers", "2",
        ]
        let logURL = URL(fileURLWithPath: directory.path + "/schemathesis.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        try process.run()
        process.waitUntilExit()
        try log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "schemathesis failed:\n\(output.suffix(8000))")
        #expect(output.contains("passed"), "\(output.suffix(2000))")
        #expect(api.broker.stop() == 0)
    }
}

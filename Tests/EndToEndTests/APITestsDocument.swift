import Foundation
import Testing

/// The OpenAPI document is the source of truth: the generated code must come from the committed
/// document and config, and compd must serve that document.
struct APITestsDocument {
    private let generated = packageRoot.appendingPathComponent("Sources/CompHTTP/API/Generated")
    private let document = packageRoot.appendingPathComponent("openapi/openapi.json")
    private let config = packageRoot.appendingPathComponent("openapi/openapi-generator-config.yaml")

    /// SHA-256 of `data` in hex, by coreutils' sha256sum.
    private func sha256(_ data: Data) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: data)
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let hex = text.split(separator: " ").first else { throw TestFailure("sha256sum failed") }
        return String(hex)
    }

    @Test("the generated API code is current: every generated file carries the SHA-256 of openapi.json + its config (else run tools/generate-openapi)")
    func generatedCodeIsCurrent() throws {
        let expected = try sha256(try Data(contentsOf: document) + Data(contentsOf: config))
        let files = try FileManager.default.contentsOfDirectory(atPath: generated.path).filter { $0.hasSuffix(".swift") }.sorted()
        #expect(files.contains("Server.swift") && files.contains("Types.swift") && files.contains("OpenAPIDocument.swift"), "\(files)")
        for file in files {
            let text = try String(contentsOf: generated.appendingPathComponent(file), encoding: .utf8)
            let stamp = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            #expect(stamp == "// openapi-sha256: \(expected)",
                    "\(file) was generated from another document or config: run tools/generate-openapi and commit its output")
        }
    }

    @Test("the document is OpenAPI 3.1 with every /api/v1 operation and a problem+json answer for each error status")
    func documentDescribesTheContract() throws {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: document)) as? [String: Any])
        #expect(root["openapi"] as? String == "3.1.0")
        let paths = try #require(root["paths"] as? [String: [String: Any]])
        let expected: [(String, String)] = [
            ("/api/v1/executions", "get"), ("/api/v1/executions/{id}", "get"), ("/api/v1/executions/{id}/actions", "post"),
            ("/api/v1/actions", "post"), ("/api/v1/timeline/{correlationId}", "get"), ("/api/v1/stats", "get"),
            ("/api/v1/services", "get"), ("/api/v1/services/{service}/pause", "post"),
            ("/api/v1/services/{service}/resume", "post"), ("/api/v1/whoami", "get"), ("/api/v1/feed", "get"),
            ("/api/openapi.json", "get"),
        ]
        for (path, method) in expected { #expect(paths[path]?[method] != nil, "\(method) \(path) missing") }
        let responses = try #require((root["components"] as? [String: Any])?["responses"] as? [String: [String: Any]])
        for (name, response) in responses {
            #expect((response["content"] as? [String: Any])?["application/problem+json"] != nil, "\(name) is not problem+json")
        }
    }

    @Test("compd serves the committed document at /api/openapi.json")
    func servesTheDocument() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let answer = try await api.get("/api/openapi.json")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "application/json")
        #expect(answer.body == (try Data(contentsOf: document)), "the served document differs from openapi/openapi.json")
        #expect(api.broker.stop() == 0)
    }
}

import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP answer of the API: the status, the headers and the body, with the body parsed as JSON when it is.
struct APIAnswer {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }

    /// A header, by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// A compd with HTTP on a free loopback port, and requests to its API.
struct APIBroker {
    let broker: BrokerProcess
    let base: String

    /// Starts compd on `directory` with HTTP on; returns once `/healthz` answers.
    static func start(_ directory: TemporaryDirectory, extra: [String] = []) async throws -> APIBroker {
        let (broker, base, _) = try await startHTTPBroker(dataDirectory: directory.path + "/data",
                                                          logDirectory: directory.path, extra: extra)
        return APIBroker(broker: broker, base: base)
    }

    /// One request; `json` is encoded as the body (or `raw` sent as is).
    func request(_ method: String, _ path: String, json: Any? = nil, raw: Data? = nil,
                 contentType: String = "application/json", accept: String? = nil, token: String? = nil) async throws -> APIAnswer {
        guard let url = URL(string: base + path) else { throw TestFailure("not a URL: \(base + path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response from \(url)") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key] = value }
        }
        return APIAnswer(status: http.statusCode, headers: headers, body: data)
    }

    func get(_ path: String) async throws -> APIAnswer { try await request("GET", path) }

    func post(_ path: String, _ json: Any) async throws -> APIAnswer { try await request("POST", path, json: json) }
}

/// Checks `answer` is a problem with `status` and `code` (and `field` when given); records why not.
func expectProblem(_ answer: APIAnswer, _ status: Int, _ code: String, field: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(answer.status == status, "\(answer.status): \(answer.text)", sourceLocation: sourceLocation)
    #expect(answer.header("Content-Type") == "application/problem+json", "\(answer.headers)", sourceLocation: sourceLocation)
    let json = answer.json
    #expect(json["code"] as? String == code, "\(answer.text)", sourceLocation: sourceLocation)
    #expect(json["status"] as? Int == status, "\(answer.text)", sourceLocation: sourceLocation)
    #expect(json["type"] as? String == "urn:compd:problem:\(code)", "\(answer.text)", sourceLocation: sourceLocation)
    #expect((json["detail"] as? String)?.isEmpty == false, "\(answer.text)", sourceLocation: sourceLocation)
    if let field { #expect(json["field"] as? String == field, "\(answer.text)", sourceLocation: sourceLocation) }
}

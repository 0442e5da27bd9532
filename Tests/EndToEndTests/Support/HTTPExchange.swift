import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP answer as the client saw it: status, headers (names lower-cased) and body.
struct HTTPAnswer {
    let status: Int
    let headers: [String: String]
    let body: String

    /// A header's value, by name in any case.
    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as a JSON object (a problem, an API answer); nil when it is not one.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}

/// One HTTP request through URLSession that neither follows redirects nor keeps cookies: the test
/// sees each 303 and each Set-Cookie itself.
func httpExchange(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
                  timeout: TimeInterval = 10) async throws -> HTTPAnswer {
    guard let address = URL(string: url) else { throw TestFailure("not a URL: \(url)") }
    var request = URLRequest(url: address)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    request.httpBody = body.map { Data($0.utf8) }
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.httpShouldSetCookies = false
    configuration.httpCookieAcceptPolicy = .never
    let session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(for: request)
    guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response from \(url)") }
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
        if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
    }
    return HTTPAnswer(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
}

/// Refuses every redirect, so that the 3xx itself is the answer.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

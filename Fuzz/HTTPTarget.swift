// libFuzzer target: the JSON API's request parsing, as compd runs it. The generated server (Sources/CompHTTP/API/
// Generated) with compd's configuration and middleware (APIServerSetup: RFC 3339 dates, ProblemMiddleware) decodes
// each request: query parameters, path ids, JSON bodies of actions; a handler then runs the same checks compd's
// APIHandler runs before it sends anything (APIRequests+Operations.swift) and answers 299 when they pass. Built by
// tools/fuzz with those files, CompWire, CompModel, HTTPTypes and OpenAPIRuntime (no Hummingbird).
//
// Input: the first byte picks the operation (one of the letters below, else by index modulo their count); up to
// the first line break, the path parameter (when the operation has one) and the query (from `?`); after it, the
// body. Operation `D` instead reads the rest as a date-time, as the API reads one. At exit it prints, per
// operation, the inputs run, answered 400-class, and accepted by the handler's checks.
//
// Properties: every request is answered 299 (accepted), or 400, 406 or 415 with problem details whose code is one of
// the API's bad-input codes; never 500 or a thrown error. A date-time the API reads is written back (RFC 3339 with
// milliseconds) as a text it reads again to the same time, and that text is a fixed point.

import CompWire
import Dispatch
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// One operation of the API the fuzzer sends requests to.
struct FuzzOperation {
    let letter: Character
    let method: HTTPRequest.Method
    let template: String
    /// The path parameter in `template`, if any.
    let parameter: String?
    let hasBody: Bool
}

let operations: [FuzzOperation] = [
    FuzzOperation(letter: "L", method: .get, template: "/api/v1/executions", parameter: nil, hasBody: false),
    FuzzOperation(letter: "G", method: .get, template: "/api/v1/executions/{id}", parameter: "id", hasBody: false),
    FuzzOperation(letter: "A", method: .post, template: "/api/v1/executions/{id}/actions", parameter: "id", hasBody: true),
    FuzzOperation(letter: "B", method: .post, template: "/api/v1/actions", parameter: nil, hasBody: true),
    FuzzOperation(letter: "T", method: .get, template: "/api/v1/timeline/{correlationId}", parameter: "correlationId", hasBody: false),
    FuzzOperation(letter: "P", method: .post, template: "/api/v1/services/{service}/pause", parameter: "service", hasBody: false),
    FuzzOperation(letter: "R", method: .post, template: "/api/v1/services/{service}/resume", parameter: "service", hasBody: false),
    FuzzOperation(letter: "S", method: .get, template: "/api/v1/sagas", parameter: nil, hasBody: false),
    FuzzOperation(letter: "V", method: .get, template: "/api/v1/sagas/{sagaId}", parameter: "sagaId", hasBody: false),
    FuzzOperation(letter: "X", method: .post, template: "/api/v1/sagas/{sagaId}/abort", parameter: "sagaId", hasBody: false),
]

/// The status the fuzz handler answers with when compd's checks passed (compd would now send the wire request).
let acceptedStatus = 299

/// The problem codes of bad input (ProblemMiddleware and APIRequests).
let badInputCodes: Set<String> = ["invalid_query", "invalid_field", "invalid_body", "unsupported_media_type", "not_acceptable"]

/// An operator caller's handler: runs compd's checks of each input and answers `acceptedStatus`.
struct FuzzHandler: APIProtocol {
    typealias Schemas = Components.Schemas

    static var accepted: OpenAPIRuntime.UndocumentedPayload { UndocumentedPayload() }

    func listExecutions(_ input: Operations.ListExecutions.Input) async throws -> Operations.ListExecutions.Output {
        let request = try APIRequests.listRequest(input.query)
        guard (1...WireLimits.maxListItems).contains(Int(request.limit)) else { violated("list limit \(request.limit) passed") }
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func getExecution(_ input: Operations.GetExecution.Input) async throws -> Operations.GetExecution.Output {
        _ = try APIRequests.showRequest(input)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func actOnExecution(_ input: Operations.ActOnExecution.Input) async throws -> Operations.ActOnExecution.Output {
        guard case .json(let body) = input.body else { violated("a body that is not JSON reached the handler") }
        _ = try APIRequests.action(body)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func actInBulk(_ input: Operations.ActInBulk.Input) async throws -> Operations.ActInBulk.Output {
        guard case .json(let body) = input.body else { violated("a body that is not JSON reached the handler") }
        let bulk = try APIRequests.bulkAction(body)
        guard bulk.filter != Filter() else { violated("a bulk action with an empty filter passed") }
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func getTimeline(_ input: Operations.GetTimeline.Input) async throws -> Operations.GetTimeline.Output {
        let request = try APIRequests.timelineRequest(input)
        guard (1...WireLimits.maxNameBytes).contains(request.correlationId.utf8.count) else { violated("correlation id passed") }
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func getStats(_ input: Operations.GetStats.Input) async throws -> Operations.GetStats.Output {
        .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func listServices(_ input: Operations.ListServices.Input) async throws -> Operations.ListServices.Output {
        .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func pauseService(_ input: Operations.PauseService.Input) async throws -> Operations.PauseService.Output {
        _ = try APIRequests.service(input.path.service)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func resumeService(_ input: Operations.ResumeService.Input) async throws -> Operations.ResumeService.Output {
        _ = try APIRequests.service(input.path.service)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func whoami(_ input: Operations.Whoami.Input) async throws -> Operations.Whoami.Output {
        .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func listSagas(_ input: Operations.ListSagas.Input) async throws -> Operations.ListSagas.Output {
        _ = try APIRequests.sagaListRequest(input.query)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func getSaga(_ input: Operations.GetSaga.Input) async throws -> Operations.GetSaga.Output {
        _ = try APIRequests.sagaId(input.path.sagaId)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }

    func abortSaga(_ input: Operations.AbortSaga.Input) async throws -> Operations.AbortSaga.Output {
        _ = try APIRequests.sagaId(input.path.sagaId)
        return .undocumented(statusCode: acceptedStatus, Self.accepted)
    }
}

typealias Route = @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)

/// Collects the routes the generated code registers, by method and path template.
final class RouteTable: ServerTransport {
    var routes: [String: Route] = [:]

    func register(_ handler: @escaping Route, method: HTTPRequest.Method, path: String) throws {
        routes["\(method.rawValue) \(path)"] = handler
    }
}

/// Per operation (index in `operations`, then the date check): inputs run, answered with a problem, accepted.
/// Touched by libFuzzer's fuzzing thread, and by a request's task only while that thread waits for it.
nonisolated(unsafe) var runsPerOperation = [Int](repeating: 0, count: operations.count + 1)
nonisolated(unsafe) var problemsPerOperation = [Int](repeating: 0, count: operations.count + 1)
nonisolated(unsafe) var acceptedPerOperation = [Int](repeating: 0, count: operations.count + 1)
nonisolated(unsafe) var table: [String: Route]?

func routes() -> [String: Route] {
    if let table { return table }
    let collected = RouteTable()
    do {
        try FuzzHandler().registerHandlers(on: collected, configuration: APIServerSetup.configuration,
                                           middlewares: APIServerSetup.middlewares)
    } catch {
        fatalError("registering the generated routes failed: \(error)")
    }
    table = collected.routes
    atexit { printSummary() }
    return collected.routes
}

func printSummary() {
    var lines = "http operations (inputs run / answered with a problem / accepted):\n"
    for (index, operation) in operations.enumerated() {
        lines += "  \(operation.letter) \(operation.method.rawValue) \(operation.template): "
            + "\(runsPerOperation[index]) / \(problemsPerOperation[index]) / \(acceptedPerOperation[index])\n"
    }
    let dates = operations.count
    lines += "  D date-time: \(runsPerOperation[dates]) / \(problemsPerOperation[dates]) / \(acceptedPerOperation[dates])\n"
    let reached = acceptedPerOperation.filter { $0 > 0 }.count
    lines += "http operations reached: \(reached) of \(operations.count + 1) accepted at least once\n"
    _ = lines.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

func violated(_ message: String) -> Never {
    fatalError("property violated: \(message)")
}

/// The answer of one request: status and body bytes.
final class Answer: Sendable {
    let value = Mutex<(status: Int, body: [UInt8])?>(nil)
}

/// Runs `route` on one request and waits for its answer. The task starts on the fuzzing thread (`Task.immediate`)
/// and, as nothing in it waits for I/O, usually ends there too; if it suspends, the fuzzing thread blocks until it
/// ends on the cooperative pool.
func answer(_ route: @escaping Route, _ request: HTTPRequest, _ body: [UInt8]?, _ metadata: ServerRequestMetadata) -> (status: Int, body: [UInt8]) {
    let done = DispatchSemaphore(value: 0)
    let result = Answer()
    Task.immediate {
        var answer: (status: Int, body: [UInt8])
        do {
            let (response, responseBody) = try await route(request, body.map { HTTPBody($0) }, metadata)
            var bytes: [UInt8] = []
            if let responseBody { bytes = Array(try await ArraySlice<UInt8>(collecting: responseBody, upTo: 1 << 20)) }
            answer = (response.status.code, bytes)
        } catch {
            violated("the route threw instead of answering: \(error)")
        }
        result.value.withLock { $0 = answer }
        done.signal()
    }
    done.wait()
    guard let answer = result.value.withLock({ $0 }) else { violated("no answer") }
    return answer
}

/// A date-time as the API reads it, written back and read again.
func checkDate(_ text: String) -> Bool {
    let transcoder = MillisecondDateTranscoder()
    guard let date = try? transcoder.decode(text) else { return false }
    guard let written = try? transcoder.encode(date) else { violated("`\(text)` read but not written") }
    guard let again = try? transcoder.decode(written) else { violated("`\(text)` written as `\(written)`, which is refused") }
    guard abs(APIMapping.milliseconds(again) - APIMapping.milliseconds(date)) <= 1 else {
        violated("`\(text)` written as `\(written)`, read back \(APIMapping.milliseconds(again)) ms, not \(APIMapping.milliseconds(date))")
    }
    guard (try? transcoder.encode(again)) == written else { violated("`\(written)` is not a fixed point") }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let routes = routes()
    guard let data, size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let rest = input.dropFirst()
    if input[0] == UInt8(ascii: "D") {
        runsPerOperation[operations.count] += 1
        if checkDate(String(decoding: rest, as: UTF8.self)) {
            acceptedPerOperation[operations.count] += 1
        } else {
            problemsPerOperation[operations.count] += 1
        }
        return 0
    }
    let index = operations.firstIndex { $0.letter.asciiValue == input[0] } ?? Int(input[0]) % operations.count
    let operation = operations[index]
    let lineEnd = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
    let line = String(decoding: rest[..<lineEnd], as: UTF8.self)
    let body = lineEnd < rest.endIndex ? Array(rest[(lineEnd + 1)...]) : []

    var path = operation.template
    var query = line
    var metadata = ServerRequestMetadata()
    if let parameter = operation.parameter {
        let value = line.prefix { $0 != "?" }
        query = String(line.dropFirst(value.count))
        path = path.replacingOccurrences(of: "{\(parameter)}", with: String(value))
        metadata.pathParameters = [parameter: value]
    }
    if !query.isEmpty, !query.hasPrefix("?") { query = "?" + query }
    var fields = HTTPFields()
    fields[.accept] = "application/json"
    if operation.hasBody { fields[.contentType] = "application/json" }
    let request = HTTPRequest(method: operation.method, scheme: "http", authority: "127.0.0.1:7480", path: path + query,
                              headerFields: fields)
    guard let route = routes["\(operation.method.rawValue) \(operation.template)"] else {
        violated("no route for \(operation.template)")
    }
    runsPerOperation[index] += 1
    let (status, responseBody) = answer(route, request, operation.hasBody ? body : nil, metadata)
    if status == acceptedStatus {
        acceptedPerOperation[index] += 1
        return 0
    }
    guard [400, 406, 415].contains(status) else {
        violated("\(operation.method.rawValue) \(path + query) answered \(status): \(String(decoding: responseBody, as: UTF8.self))")
    }
    guard let problem = (try? JSONSerialization.jsonObject(with: Data(responseBody))) as? [String: Any],
          let code = problem["code"] as? String, badInputCodes.contains(code),
          let detail = problem["detail"] as? String, !detail.isEmpty else {
        violated("\(status) without problem details of bad input: \(String(decoding: responseBody, as: UTF8.self))")
    }
    problemsPerOperation[index] += 1
    return 0
}

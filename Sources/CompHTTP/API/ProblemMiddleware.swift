import CompWire
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Renders every error of a generated route as problem details: an `APIProblem` a handler threw as
/// itself; a request the generated code could not decode (a query parameter of the wrong type, a body
/// that is not the schema's JSON) as 400 naming the parameter or field; anything else as 500.
struct ProblemMiddleware: ServerMiddleware {
    /// The document's URL parameters, to name the one the generated code refused.
    let parameters: ParameterCheck

    /// The query and path parameters of the document, to tell `invalid_query` from `invalid_field`.
    static let urlParameters: Set<String> = [
        "id", "correlationId", "service", "status", "parkReason", "processor", "function", "eventId", "errorCode",
        "recoverable", "since", "until", "dueBefore", "sort", "limit", "cursor", "historyAfter", "payload",
    ]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            var problem = Self.problem(for: error, method: request.method)
            if problem.status == .badRequest, problem.field == nil,
                let name = parameters.firstInvalid(path: request.path ?? "", pathParameters: metadata.pathParameters) {
                problem = .invalidQuery(name, "not a valid value (see the parameter in /api/openapi.json)")
            }
            return (problem.head, HTTPBody(problem.json))
        }
    }

    /// The problem for an error thrown by a generated route.
    static func problem(for error: any Error, method: HTTPRequest.Method) -> APIProblem {
        guard let serverError = error as? ServerError else {
            return (error as? APIProblem) ?? internalError(error)
        }
        if let problem = serverError.underlyingError as? APIProblem { return problem }
        guard serverError.operationInput == nil else { return internalError(serverError.underlyingError) }
        // The request could not be turned into the operation's input: bad input.
        let status = serverError.httpStatus
        if status == .unsupportedMediaType {
            return APIProblem(status, "unsupported_media_type", "send the body as application/json")
        }
        if status == .notAcceptable {
            return APIProblem(status, "not_acceptable", "this endpoint answers application/json")
        }
        let field = Self.field(of: serverError)
        let detail = Self.describe(serverError)
        if let field, urlParameters.contains(field), method == .get || !field.contains(".") && field != "action" {
            return APIProblem(.badRequest, "invalid_query", "\(field): \(detail)", field: field)
        }
        if let field { return APIProblem(.badRequest, ErrorCode.invalidField.name, "\(field): \(detail)", field: field) }
        return APIProblem(.badRequest, method == .get ? "invalid_query" : "invalid_body", detail)
    }

    private static func internalError(_ error: any Error) -> APIProblem {
        APIProblem(.internalServerError, ErrorCode.internalError.name, "the API failed: \(error)")
    }

    /// The parameter or body field the decoding error names, as a dotted path (`spec.maxRetries`).
    static func field(of error: ServerError) -> String? {
        if let decoding = error.underlyingError as? DecodingError {
            let path: [any CodingKey]
            switch decoding {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                path = context.codingPath
            case .keyNotFound(let key, let context):
                path = context.codingPath + [key]
            @unknown default:
                path = []
            }
            let names = path.compactMap { $0.intValue == nil ? $0.stringValue : nil }.filter { !$0.isEmpty }
            if !names.isEmpty { return names.joined(separator: ".") }
        }
        // The runtime names the parameter in its description: `... named: limit` or `... 'limit' ...`.
        let text = error.causeDescription + " " + String(describing: error.underlyingError)
        if let range = text.range(of: "named: ") {
            let name = text[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
            if !name.isEmpty { return String(name) }
        }
        for parameter in urlParameters.sorted() where text.contains("'\(parameter)'") || text.contains("\"\(parameter)\"") {
            return parameter
        }
        return nil
    }

    /// A short sentence for people about why the request could not be read.
    private static func describe(_ error: ServerError) -> String {
        if let decoding = error.underlyingError as? DecodingError {
            switch decoding {
            case .typeMismatch(let type, _): return "must be a \(type)"
            case .valueNotFound: return "must not be null"
            case .keyNotFound(let key, _): return "\(key.stringValue) is required"
            case .dataCorrupted(let context): return context.debugDescription
            @unknown default: break
            }
        }
        return error.causeDescription
    }
}

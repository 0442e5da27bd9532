import CompWire
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// An API error as RFC 9457 problem details (`application/problem+json`): the HTTP status, a stable
/// snake_case code (the protocol's error codes plus the HTTP-only ones), a sentence for people, and for a
/// 400 the query parameter or body field at fault. Thrown by the handlers; rendered by `ProblemMiddleware`
/// (generated routes) and `APIMiddleware` (everything else under `/api`).
struct APIProblem: Error, Equatable, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var detail: String
    var field: String?
    /// Seconds for `Retry-After` (503 overloaded).
    var retryAfterSeconds: Int?
    /// The methods for `Allow` (405).
    var allow: [String]?

    init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, field: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// A malformed query parameter (400 `invalid_query`).
    static func invalidQuery(_ field: String, _ rule: String) -> APIProblem {
        APIProblem(.badRequest, "invalid_query", "\(field): \(rule)", field: field)
    }

    /// A malformed body field (400 `invalid_field`).
    static func invalidField(_ field: String, _ rule: String) -> APIProblem {
        APIProblem(.badRequest, ErrorCode.invalidField.name, "\(field): \(rule)", field: field)
    }

    /// The broker's error reply as a problem: its code, and the HTTP status for it.
    init(_ reply: ErrorReply, field: String? = nil) {
        let code = ErrorCode(rawValue: reply.code)
        self.init(Self.status(for: code), code?.name ?? "error_\(reply.code)", reply.message, field: field,
                  retryAfterSeconds: code == .overloaded ? 1 : nil)
    }

    /// The HTTP status of a protocol error code: bad input 400, unknown execution 404, a refusal by the
    /// execution's state 409, a broker that cannot serve now 503, anything else (a broker fault) 500.
    static func status(for code: ErrorCode?) -> HTTPResponse.Status {
        switch code {
        case .invalidField, .invalidRecord, .invalidRetrySpec, .limitExceeded, .invalidUTF8, .malformedFrame,
            .frameTooLarge, .lengthMismatch, .unsupportedVersion, .unknownMessageType, .unexpectedMessage:
            .badRequest
        case .unknownExecution, .notFound: .notFound
        case .notAllowed, .keyConflict, .unchanged, .staleLease, .keyMismatch, .sagaAborted, .recordTooOld: .conflict
        case .unauthenticated, .replayed: .unauthorized
        case .forbidden: .forbidden
        case .overloaded, .storageFailure, .shuttingDown: .serviceUnavailable
        case .internalError, nil: .internalServerError
        }
    }

    /// The problem's JSON members, in RFC 9457's order.
    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let code: String
        let field: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(title, forKey: .title)
            try container.encode(status, forKey: .status)
            try container.encode(detail, forKey: .detail)
            try container.encode(code, forKey: .code)
            try container.encode(field, forKey: .field)
        }

        private enum CodingKeys: String, CodingKey { case type, title, status, detail, code, field }
    }

    /// The media type of the body.
    static let contentType = "application/problem+json"

    /// The body's bytes.
    var json: [UInt8] {
        let body = Body(type: "urn:compd:problem:\(code)", title: status.reasonPhrase, status: status.code,
                        detail: detail, code: code, field: field)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(body)) ?? Data(#"{"code":"internal_error"}"#.utf8))
    }

    /// The response head: status, content type and Retry-After when set.
    var head: HTTPResponse {
        var fields = HTTPFields()
        fields[.contentType] = Self.contentType
        if let retryAfterSeconds { fields[.retryAfter] = "\(retryAfterSeconds)" }
        return HTTPResponse(status: status, headerFields: fields)
    }
}

extension ErrorCode {
    /// The snake_case name (`invalid_field`).
    var name: String { description }
}

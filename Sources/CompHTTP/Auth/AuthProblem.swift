import Foundation
import Hummingbird

/// An `application/problem+json` answer (RFC 9457) of the access checks, in the API's problem shape:
/// `{type, title, status, detail, code, field}` with `type` `urn:compd:problem:<code>`.
struct AuthProblem: Encodable {
    let code: String
    let title: String
    let status: Int
    let detail: String

    /// 401 `unauthenticated`.
    static func unauthenticated(_ detail: String) -> AuthProblem {
        AuthProblem(code: "unauthenticated", title: "Unauthenticated", status: 401, detail: detail)
    }

    /// 403 `forbidden`.
    static func forbidden(_ detail: String) -> AuthProblem {
        AuthProblem(code: "forbidden", title: "Forbidden", status: 403, detail: detail)
    }

    private enum Keys: String, CodingKey { case type, title, status, detail, code, field }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode("urn:compd:problem:\(code)", forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status, forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encode(code, forKey: .code)
        try container.encodeNil(forKey: .field)
    }

    /// The problem as a response; 401s carry `WWW-Authenticate: Bearer realm="compd"`.
    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)).map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: "{}")
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"compd\"" }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

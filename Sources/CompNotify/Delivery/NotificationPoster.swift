import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends notifications as HTTP POSTs with async-http-client: JSON body, `Idempotency-Key` header,
/// connect timeout 5 s, 10 s for the whole request, TLS for `https` URLs (the system's trust roots),
/// redirects followed (at most 5, no cycles). One client for every notifier; its connections run on
/// NIO's shared event loops, never on the core or ingest threads.
final class NotificationPoster: Sendable {
    /// The longest a connection may take to open.
    static let connectTimeout = TimeAmount.seconds(5)
    /// The longest a whole request may take, from sending to the end of the answer.
    static let requestTimeout = TimeAmount.seconds(10)
    /// How much of an error answer's body is kept for the log and `compctl notifications`.
    static let detailBytes = 200

    private let client: HTTPClient
    private let userAgent: String

    /// Creates the client.
    ///
    /// - Parameter userAgent: the `User-Agent` header (`compd/VERSION`).
    init(userAgent: String) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: HTTPClient.Configuration.Timeout(connect: Self.connectTimeout, read: Self.requestTimeout))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.userAgent = userAgent
    }

    /// POSTs `body` to `url` and classifies the answer. Cancelling the calling task cancels the request.
    ///
    /// - Parameters:
    ///   - body: the JSON body.
    ///   - url: the notifier's URL.
    ///   - idempotencyKey: the message's key, sent as the `Idempotency-Key` header.
    /// - Returns: delivered, retry (no answer, 408, 429, 5xx) or refused (any other status).
    func post(_ body: [UInt8], to url: String, idempotencyKey: String) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.headers.add(name: "User-Agent", value: userAgent)
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = NIODeadline.now() + Self.requestTimeout
        do {
            let response = try await client.execute(request, deadline: deadline)
            let status = Int(response.status.code)
            var detail = ""
            if (200..<300).contains(status) {
                for try await _ in response.body {}  // drain, so the connection goes back to the pool
            } else {
                var kept = [UInt8]()
                for try await part in response.body where kept.count < Self.detailBytes {
                    kept += part.readableBytesView.prefix(Self.detailBytes - kept.count)
                }
                detail = Self.printable(kept)
            }
            return DeliveryOutcome.classify(status: status, detail: detail)
        } catch {
            return DeliveryOutcome.failed(Self.describe(error))
        }
    }

    /// Closes the client's connections.
    func shutdown() async {
        try? await client.shutdown()
    }

    /// An error in words for the log (`connect timeout`, `connection refused`, ...).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timeout after 5s"
            case .deadlineExceeded, .readTimeout: return "no answer within 10s"
            case .cancelled: return "cancelled"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }

    /// Bytes as one line of printable text (control characters as spaces).
    private static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
            .map { $0.isNewline || ($0.asciiValue.map { $0 < 32 } ?? false) ? " " : String($0) }
            .joined()
            .trimmingCharacters(in: .whitespaces)
    }
}

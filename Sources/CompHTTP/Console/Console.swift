import CompBroker
import Foundation
import HTTPTypes
import Hummingbird

/// The web console at `/`: a few pages of HTML that one small script fills from `/api/v1`, and the live
/// feed at `/api/v1/feed`.
///
/// The pages, the script and the style sheet are Swift string literals compiled into compd (ConsolePage,
/// ConsoleStyle, ConsoleScript*): no npm, no CDN, no build step but the compiler, and no resource bundle
/// to ship beside the binary (`tools/install` copies one file per product; SwiftPM resources would need
/// the `*.resources` directory next to it, and `Bundle.module` stops compd when that is missing).
///
/// | path | what |
/// |---|---|
/// | `/` | overview: counts per view, services, failures over time per service, top error codes |
/// | `/executions?<filter>` | the list; the query is the API's list filter (bookmarkable) |
/// | `/executions/{id}` | one execution: error, retry state, spec, lease, payload, history, actions |
/// | `/timeline?correlationId=…` | every execution and record of one correlation id, in time order |
/// | `/sagas?status=…`, `/sagas/{id}` | the sagas; one saga's steps and records in time order, its abort |
/// | `/console/app.js`, `/console/app.css` | the script and the style sheet (ETag; revalidated) |
/// | `/api/v1/feed` | server-sent events (`Feed`) |
public enum Console {
    /// Adds the console's pages, assets and the feed to `router`.
    ///
    /// - Parameters:
    ///   - probes: the broker's events (`probes.events`) and readiness (the feed ends at shutdown).
    ///   - stats: reads the JSON of `GET /api/v1/stats` for the feed's `stats` events; nil sends none.
    public static func addRoutes(to router: Router<HTTPContext>, probes: BrokerProbes,
                                 stats: (@Sendable () async -> String?)?) {
        for path in ["/", "/executions", "/executions/:id", "/timeline", "/sagas", "/sagas/:id"] {
            router.get(RouterPath(path)) { request, _ in asset(ConsoleAssets.page, request) }
        }
        router.get("/console/app.js") { request, _ in asset(ConsoleAssets.script, request) }
        router.get("/console/app.css") { request, _ in asset(ConsoleAssets.style, request) }
        let feed = Feed(tap: probes.events, health: probes.health, stats: stats.map { StatsPulse(read: $0) })
        router.get("/api/v1/feed") { _, _ in feed.response() }
    }

    /// `asset` as the response, or 304 when the request names its ETag already.
    static func asset(_ asset: ConsoleAssets.Asset, _ request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType, .cacheControl: "no-cache", .eTag: asset.eTag,
            .xContentTypeOptions: "nosniff", .referrerPolicy: "same-origin",
        ]
        if asset.isPage {
            headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
            headers[.xFrameOptions] = "DENY"
        }
        if let tags = request.headers[.ifNoneMatch], tags.split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespaces) == asset.eTag
        }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: asset.text)))
    }
}

extension HTTPField.Name {
    /// `Referrer-Policy` (a valid field name: the initializer cannot fail on it).
    static let referrerPolicy = HTTPField.Name("Referrer-Policy") ?? .cacheControl
    /// `X-Frame-Options`.
    static let xFrameOptions = HTTPField.Name("X-Frame-Options") ?? .cacheControl
    /// `X-Accel-Buffering` (tells a proxy in front not to buffer the feed).
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering") ?? .cacheControl
}

import Hummingbird

/// The HTTP side's access decision for one request, as a value: which paths need no caller, which
/// callers may use which methods, and how a missing caller is answered.
enum AccessRule {
    /// What to do with a request.
    enum Decision: Equatable {
        /// Serve it, with this caller in the context (nil on the paths open to anyone).
        case pass(Caller?)
        /// No valid token: a console page redirects to `/login`, anything else answers 401.
        case unauthenticated(redirectToLogin: Bool)
        /// The caller is a viewer and the method would change something: 403.
        case forbidden(Caller)
    }

    /// Paths served to anyone: the probes, and the login and logout pages.
    static let openPaths: Set<String> = ["/healthz", "/readyz", "/login", "/logout"]

    /// Methods a viewer may use: the ones that only read.
    static let readMethods: Set<HTTPRequest.Method> = [.get, .head]

    /// Decides for a request to `path` with `method`.
    ///
    /// - Parameters:
    ///   - local: no tokens file (every caller is the local operator).
    ///   - metricsPublic: `/metrics` is open to anyone.
    ///   - caller: who the request's token or session cookie names, nil when it names no one.
    static func decide(path: String, method: HTTPRequest.Method, local: Bool, metricsPublic: Bool, caller: Caller?) -> Decision {
        if openPaths.contains(path) || (metricsPublic && path == "/metrics") {
            return .pass(nil)
        }
        if local { return .pass(HTTPAccess.localCaller) }
        guard let caller else {
            let isConsolePage = !(path == "/api" || path.hasPrefix("/api/") || path == "/metrics")
            return .unauthenticated(redirectToLogin: isConsolePage && readMethods.contains(method))
        }
        guard caller.mayAct || readMethods.contains(method) else { return .forbidden(caller) }
        return .pass(caller)
    }
}

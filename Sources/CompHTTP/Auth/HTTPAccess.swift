import Synchronization

/// Who may use compd's HTTP side: with no tokens file, every caller on loopback is the local operator;
/// with one, a caller presents a token (`Authorization: Bearer`, or the console's session cookie) and
/// gets the token's name and role. Shared by the middleware, the login page and the SIGHUP reload.
public final class HTTPAccess: Sendable {
    /// The caller of every request when there is no tokens file.
    public static let localCaller = Caller(name: "local", role: .operator)

    /// The tokens file; nil when there is none (loopback only, every caller the local operator).
    public let tokensPath: String?
    /// Whether `/metrics` answers without a token when there is a tokens file.
    public let metricsPublic: Bool
    /// The console's login sessions.
    let sessions = SessionStore()
    private let table: Mutex<TokenTable>

    private init(tokensPath: String?, table: TokenTable, metricsPublic: Bool) {
        self.tokensPath = tokensPath
        self.table = Mutex(table)
        self.metricsPublic = metricsPublic
    }

    /// No tokens file: every caller is `localCaller` (compd then listens on loopback only).
    public static func local() -> HTTPAccess { HTTPAccess(tokensPath: nil, table: TokenTable(entries: []), metricsPublic: true) }

    /// The tokens of the file at `path`, already read into `file`.
    ///
    /// - Parameter metricsPublic: whether `/metrics` needs no token.
    public static func tokens(path: String, file: TokenFile, metricsPublic: Bool) -> HTTPAccess {
        HTTPAccess(tokensPath: path, table: file.table, metricsPublic: metricsPublic)
    }

    /// The tokens in force.
    public var currentTable: TokenTable { table.withLock { $0 } }

    /// Reads the tokens file again and puts its tokens in force: a token no longer in it stops working
    /// at once, for the bearer header and for the sessions opened with it. Without a tokens file, does
    /// nothing and returns nil.
    ///
    /// - Returns: the tokens now in force.
    /// - Throws: `TokenFileError` when the file cannot be read or a line is wrong; the tokens in force
    ///   stay as they were.
    @discardableResult
    public func reload() throws(TokenFileError) -> TokenTable? {
        guard let tokensPath else { return nil }
        let file = try TokenFile(path: tokensPath)
        table.withLock { $0 = file.table }
        return file.table
    }

    /// Who presents `token`, nil for an unknown token.
    func caller(token: some StringProtocol) -> Caller? {
        let digest = TokenDigest(of: token)
        return table.withLock { $0.caller(digest: digest) }
    }

    /// Who is logged in with session `id`, nil when the session is unknown, expired, or its token was
    /// revoked.
    func caller(session id: some StringProtocol) -> Caller? {
        guard let digest = sessions.token(session: id) else { return nil }
        return table.withLock { $0.caller(digest: digest) }
    }

    /// How the HTTP side admits callers, for compd's start line.
    public var startDescription: String {
        guard let tokensPath else {
            return "no --http-tokens: loopback only, every caller is the operator `local`"
        }
        let metrics = metricsPublic ? "/metrics without a token" : "/metrics needs a token"
        return "tokens from \(tokensPath) (\(currentTable.summary)), \(metrics); SIGHUP reloads the file"
    }
}

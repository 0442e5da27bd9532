/// The tokens compd accepts, as digests with the caller each stands for.
public struct TokenTable: Sendable {
    /// One token: its digest and who presents it.
    public struct Entry: Sendable {
        public let digest: TokenDigest
        public let caller: Caller
    }

    /// The tokens in file order.
    public let entries: [Entry]

    /// The caller whose token has `digest`, nil for none. Compares against every entry in constant
    /// time, without stopping at a match.
    public func caller(digest: TokenDigest) -> Caller? {
        var found: Caller?
        for entry in entries where entry.digest.constantTimeEquals(digest) { found = entry.caller }
        return found
    }

    /// The caller `token` stands for, nil for an unknown token.
    public func caller(token: some StringProtocol) -> Caller? { caller(digest: TokenDigest(of: token)) }

    /// How many tokens of each role, e.g. `2 operator, 1 viewer`.
    public var summary: String {
        let operators = entries.count { $0.caller.role == .operator }
        return "\(operators) operator, \(entries.count - operators) viewer"
    }
}

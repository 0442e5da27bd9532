/// Which nanomsg listen addresses only this machine can reach.
enum ListenAddress {
    /// True for `ipc://` and `inproc://` addresses and for tcp/ws on a loopback host (127.0.0.0/8, ::1,
    /// localhost); false for anything else (0.0.0.0, an interface name, another host).
    static func isLocal(_ address: String) -> Bool {
        if address.hasPrefix("ipc://") || address.hasPrefix("inproc://") { return true }
        guard let scheme = address.range(of: "://") else { return false }
        var rest = address[scheme.upperBound...]
        if let semicolon = rest.lastIndex(of: ";") { rest = rest[rest.index(after: semicolon)...] }  // local;remote
        let host: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
        } else {
            host = rest.prefix { $0 != ":" }
        }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

import Hummingbird

/// Who made an HTTP request, as the token that authenticated it says.
public struct Caller: Sendable, Equatable {
    /// What a caller may do.
    public enum Role: String, Sendable, Equatable {
        /// Reads: lists, details, timelines, stats, the console's pages.
        case viewer
        /// Reads and acts: retry, discard, park, mark, apply spec, change function, pause, resume.
        case `operator`
    }

    /// The token's name; recorded as the author of the caller's operator actions.
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Whether the caller may act on executions and services.
    public var mayAct: Bool { role == .operator }
}

/// The request context of compd's HTTP side: Hummingbird's core context and the caller.
public struct HTTPContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling; nil until authentication has run (and on the probe and metrics endpoints).
    public var caller: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
        caller = nil
    }
}

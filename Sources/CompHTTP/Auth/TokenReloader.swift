import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the HTTP tokens file on every SIGHUP until the group shuts down (without a tokens file,
/// only logs that there is nothing to reload). A file that cannot be read
/// or has a wrong line leaves the tokens in force as they were, and is logged naming the line.
public struct TokenReloader: Service, CustomStringConvertible {
    let access: HTTPAccess
    let hangups: UnixSignalsSequence
    let logger: Logger

    /// - Parameters:
    ///   - access: the tokens to reload.
    ///   - hangups: SIGHUP, trapped before compd starts serving (so no SIGHUP arriving once HTTP answers
    ///     can end the process).
    public init(access: HTTPAccess, hangups: UnixSignalsSequence, logger: Logger) {
        self.access = access
        self.hangups = hangups
        self.logger = logger
    }

    public var description: String { "http-tokens-reload" }

    public func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            do {
                guard let table = try access.reload(), let path = access.tokensPath else {
                    logger.notice("SIGHUP: no --http-tokens file to reload")
                    continue
                }
                logger.notice("SIGHUP: reloaded HTTP tokens from \(path) (\(table.summary))")
                if let warning = TokenFile.permissionWarning(path: path) { logger.warning("\(warning)") }
            } catch {
                logger.error("SIGHUP: keeping the HTTP tokens in force: \(error)")
            }
        }
    }
}

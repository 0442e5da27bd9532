import CompWire

extension AdminClient {
    /// One page of sagas, the most recently changed first; pass the previous reply's `nextCursor` as
    /// `cursor` for the next page ("" ends the listing).
    ///
    /// - Parameters:
    ///   - status: Only sagas in this status (1 RUNNING … 5 STUCK); nil: any.
    ///   - cursor: "" for the first page, else the previous reply's `nextCursor`.
    ///   - limit: At most this many (1...1000).
    /// - Throws: `ClientError`; `.broker` with `unknown_message_type` from a broker too old to know sagas.
    public func sagas(status: UInt8? = nil, cursor: String = "", limit: Int = 100) throws(ClientError) -> SagaListReply {
        let reply = try connection.request(.sagaListRequest(SagaListRequest(
            status: status, cursor: cursor, limit: UInt16(clamping: limit))))
        guard case .sagaListReply(let page) = reply else { throw .protocolViolation("expected a saga list reply") }
        return page
    }

    /// One saga: its steps and its journal rows in time order (as many as fit in one reply).
    ///
    /// - Throws: `ClientError`; `.broker` with `invalid_field` when no saga has the id.
    public func saga(_ id: String) throws(ClientError) -> SagaShowReply {
        let reply = try connection.request(.sagaShowRequest(SagaShowRequest(sagaId: id)))
        guard case .sagaShowReply(let shown) = reply else { throw .protocolViolation("expected a saga show reply") }
        return shown
    }

    /// Aborts a RUNNING saga; `actor` (who asks, at most 128 bytes) is journaled with the abort.
    ///
    /// - Returns: The saga's status after the abort (3 ABORTING or 4 COMPENSATED).
    /// - Throws: `ClientError`; `.broker` with `invalid_field` when no saga has the id, `not_allowed` when
    ///   it is not RUNNING.
    public func abortSaga(_ id: String, actor: String? = nil) throws(ClientError) -> SagaAbortReply {
        let reply = try connection.request(.sagaAbortRequest(SagaAbortRequest(sagaId: id, actor: actor)))
        guard case .sagaAbortReply(let result) = reply else { throw .protocolViolation("expected a saga abort reply") }
        return result
    }
}

import CompClient
import CompWire
import Foundation
import Testing

/// `compctl saga list | show | abort` and the saga admin messages against a real compd.
@Suite(.serialized)
struct SagaCommandTests {
    @Test("a compd with no saga: saga list prints `no sagas match` (exit 0, JSON with a null cursor); show and abort of an unknown id exit 3")
    func noSagas() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        defer { broker.stop() }
        let list = try compctl(["saga", "list", "--broker", broker.listen])
        #expect(list.status == 0, "\(list.err)")
        #expect(list.out == "no sagas match\n")
        let json = try compctl(["saga", "list", "--status", "stuck", "--broker", broker.listen, "--json"])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.out == "{\"nextCursor\":null,\"sagas\":[]}\n")
        let show = try compctl(["saga", "show", "order-1", "--broker", broker.listen])
        #expect(show.status == 3)
        #expect(show.err == "compctl: saga order-1 not found\n")
        let abort = try compctl(["saga", "abort", "order-1", "--broker", broker.listen])
        #expect(abort.status == 3)
        #expect(abort.err == "compctl: saga order-1 not found\n")
    }

    @Test("report of a saga step's success says the step was recorded, not that no execution is open")
    func reportStep() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        defer { broker.stop() }
        let report = try compctl([
            "report", "success", "--service", "orders", "--processor", "saga", "--function", "create-order",
            "--event-id", "order-7", "--correlation-id", "order-7", "--saga-step", "0", "--compensation", "cancel-order",
            "--broker", broker.listen,
        ])
        #expect(report.status == 0, "\(report.err)")
        #expect(report.out == "accepted: step 0 of saga order-7 recorded\n", "\(report.out)")
        let plain = try compctl([
            "report", "success", "--service", "orders", "--processor", "saga", "--function", "other",
            "--event-id", "order-7", "--broker", broker.listen,
        ])
        #expect(plain.out == "accepted: no open execution for this key\n", "\(plain.out)")
    }

    @Test("bad saga arguments are refused before anything is sent (exit 64), naming the option")
    func badArguments() throws {
        let status = try compctl(["saga", "list", "--status", "DONE"])
        #expect(status.status == 64)
        #expect(status.err.contains("--status must be one of RUNNING, COMPLETED, ABORTING, COMPENSATED, STUCK; got `DONE`"))
        let limit = try compctl(["saga", "list", "--limit", "0"])
        #expect(limit.status == 64)
        #expect(limit.err.contains("--limit must be in 1...1000"))
        let empty = try compctl(["saga", "show", ""])
        #expect(empty.status == 64)
        #expect(empty.err.contains("ID must not be empty"))
        let actor = try compctl(["saga", "abort", "s", "--actor", String(repeating: "a", count: 129)])
        #expect(actor.status == 64)
        #expect(actor.err.contains("--actor must be 1...128 bytes of UTF-8; got 129"))
        let key = ["report", "success", "--service", "s", "--processor", "p", "--function", "f", "--event-id", "e"]
        let stepless = try compctl(key + ["--compensation", "undo"])
        #expect(stepless.status == 64)
        #expect(stepless.err.contains("--saga, --compensation, --last-step and --saga-deadline go with --saga-step N"))
        let step = try compctl(key + ["--saga-step", "100"])
        #expect(step.status == 64)
        #expect(step.err.contains("--saga-step must be in 0...99; got 100"))
    }

    @Test("compd refuses bad saga requests on the wire with invalid_field naming the field, and answers each with its request id")
    func wireRefusals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        defer { broker.stop() }
        let connection = try broker.connect()
        func refusal(_ message: Message, id: UInt32) throws -> ErrorReply {
            let reply = try FrameCodec.decode(try connection.requestRaw(FrameCodec.encode(Frame(requestId: id, message: message))))
            #expect(reply.requestId == id)
            guard case .error(let error) = reply.message else { throw TestFailure("expected an ErrorReply, got \(reply.message)") }
            return error
        }
        let limit = try refusal(.sagaListRequest(SagaListRequest(limit: 0)), id: 51)
        #expect(limit == ErrorReply(code: ErrorCode.invalidField.rawValue, message: "SagaListRequest.limit: must be in 1...1000"))
        let cursor = try refusal(.sagaListRequest(SagaListRequest(cursor: "not-a-cursor", limit: 10)), id: 52)
        #expect(cursor == ErrorReply(code: ErrorCode.invalidField.rawValue, message: "SagaListRequest.cursor: not a cursor this broker gave"))
        let empty = try refusal(.sagaShowRequest(SagaShowRequest(sagaId: "")), id: 53)
        #expect(empty == ErrorReply(code: ErrorCode.invalidField.rawValue, message: "SagaShowRequest.sagaId: must not be empty"))
        let unknown = try refusal(.sagaShowRequest(SagaShowRequest(sagaId: "nope")), id: 54)
        #expect(unknown == ErrorReply(code: ErrorCode.invalidField.rawValue, message: "SagaShowRequest.sagaId: no saga has this id"))
        let abortEmpty = try refusal(.sagaAbortRequest(SagaAbortRequest(sagaId: "")), id: 55)
        #expect(abortEmpty == ErrorReply(code: ErrorCode.invalidField.rawValue, message: "SagaAbortRequest.sagaId: must not be empty"))
        let abortUnknown = try refusal(.sagaAbortRequest(SagaAbortRequest(sagaId: "nope")), id: 56)
        #expect(abortUnknown == ErrorReply(code: ErrorCode.invalidField.rawValue, message: "SagaAbortRequest.sagaId: no saga has this id"))
        let reply = try refusal(.sagaListReply(SagaListReply(sagas: [], nextCursor: "")), id: 57)
        #expect(reply.code == ErrorCode.unexpectedMessage.rawValue)
        let list = try FrameCodec.decode(try connection.requestRaw(FrameCodec.encode(Frame(
            requestId: 58, message: .sagaListRequest(SagaListRequest(status: 1, limit: 1000))))))
        #expect(list == Frame(requestId: 58, message: .sagaListReply(SagaListReply(sagas: [], nextCursor: ""))))
    }
}

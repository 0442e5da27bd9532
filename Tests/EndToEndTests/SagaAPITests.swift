import CompClient
import CompWire
import Foundation
import Testing

/// `/api/v1/sagas` through a real compd and real HTTP: answers are JSON, refusals problem details.
@Suite(.serialized)
struct SagaAPITests {
    @Test("a compd with no saga lists none; an unknown saga is 404 unknown_saga for show and abort; bad parameters are 400 naming them")
    func emptyAndRefusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let list = try await api.get("/api/v1/sagas?status=running&limit=10")
        #expect(list.status == 200, "\(list.text)")
        #expect(list.text == "{\"sagas\":[]}")
        expectProblem(try await api.get("/api/v1/sagas/order-1"), 404, "unknown_saga", field: "sagaId")
        expectProblem(try await api.request("POST", "/api/v1/sagas/order-1/abort"), 404, "unknown_saga", field: "sagaId")
        expectProblem(try await api.get("/api/v1/sagas?limit=0"), 400, "invalid_query", field: "limit")
        expectProblem(try await api.get("/api/v1/sagas?cursor=nonsense"), 400, "invalid_query", field: "cursor")
        expectProblem(try await api.get("/api/v1/sagas?cursor="), 400, "invalid_query", field: "cursor")
        let fromZero = try await api.get("/api/v1/sagas?cursor=0:x")
        #expect(fromZero.status == 200, "\(fromZero.text)")
        expectProblem(try await api.get("/api/v1/sagas?status=done"), 400, "invalid_query", field: "status")
    }
}

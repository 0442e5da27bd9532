import CompWire
import Foundation
import Testing

/// What the fuzz targets (Fuzz/, tools/fuzz) found, kept as tests through a real compd and real HTTP.
@Suite(.serialized)
struct FuzzFindingsTests {
    /// Found by the http target: `9999-12-31T23:59:59-00:30` was read as a time in the year 10000 (UTC), which
    /// the API writes as `10000-01-01T00:29:59.000Z`, a text RFC 3339 (four-digit years) and the API itself
    /// refuse. The API now reads only times it can write: UTC years 0000...9999.
    @Test("a date-time whose UTC time falls outside the years 0000...9999 is refused: 400 naming the query parameter, or invalid_body")
    func dateTimeOutsideFourDigitYears() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)

        expectProblem(try await api.get("/api/v1/executions?until=9999-12-31T23:59:59-00:30"), 400, "invalid_query",
                      field: "until")
        expectProblem(try await api.get("/api/v1/executions?since=0000-01-01T00:00:00.000%2B00:01"), 400, "invalid_query",
                      field: "since")
        // In a body, as any other bad date there (month 13 below): 400 `invalid_body`.
        expectProblem(try await api.post("/api/v1/actions", [
            "action": "retry", "dryRun": true, "filter": ["service": "orders", "dueBefore": "9999-12-31T23:30:00-01:00"],
        ]), 400, "invalid_body")
        expectProblem(try await api.post("/api/v1/actions", [
            "action": "retry", "dryRun": true, "filter": ["service": "orders", "dueBefore": "2026-13-01T00:00:00Z"],
        ]), 400, "invalid_body")
        #expect(try await api.post("/api/v1/actions", [
            "action": "retry", "dryRun": true, "filter": ["service": "orders", "dueBefore": "9999-12-31T23:30:00+01:00"],
        ]).status == 200)

        // The last and first times of the range are read.
        #expect(try await api.get("/api/v1/executions?until=9999-12-31T23:59:59.999Z").status == 200)
        #expect(try await api.get("/api/v1/executions?until=9999-12-31T23:59:59%2B01:00").status == 200)
        #expect(try await api.get("/api/v1/executions?since=0000-01-01T00:00:00Z").status == 200)
    }

    /// Found by the http target: `2052-11-30T06:40:00.123Z` was read as 2616561600122 ms and written as `.122Z`
    /// (a `Date` holds seconds as a `Double`, a hair below .123; the formatter and the conversion cut it). Times the
    /// API writes are now the broker's milliseconds exactly.
    @Test("the API writes a broker time to the millisecond, and reads its own text back to the same millisecond")
    func millisecondsExactly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let base: Int64 = 2_616_561_600_100  // 2052-11-30T06:40:00.100Z
        var records: [Record] = []
        for offset in Int64(0)..<30 {
            records.append(failureRecord(eventId: "e\(offset)", spec: RetrySpecPatch(deadline: base + offset)))
        }
        let outcomes = try api.broker.reporter().send(records)
        #expect(outcomes.allSatisfy { $0.status == .accepted }, "\(outcomes)")
        for (offset, outcome) in outcomes.enumerated() {
            let answer = try await api.get("/api/v1/executions/\(outcome.executionId)")
            let execution = try #require(answer.json["execution"] as? [String: Any], "\(answer.text)")
            let deadline = try #require((execution["spec"] as? [String: Any])?["deadline"] as? String)
            #expect(deadline == "2052-11-30T06:40:00.\(100 + offset)Z")
        }
    }
}

import CompWire
import Foundation
import Testing

/// The fields the console added within version 1 (actor, filters, sort, stats): frames written before
/// them still decode, with the new fields absent, and frames with them round-trip.
struct ConsoleFieldsTests {
    private func vector(_ name: String) throws -> [UInt8] {
        try VectorFiles.read(VectorFiles.directory.appendingPathComponent(name + ".hex")).bytes
    }

    @Test("a ListRequest without tags decodes as newest first with no cursor key and no new filter fields")
    func oldListRequest() throws {
        let frame = try FrameCodec.decode(try vector("list_request"))
        guard case .listRequest(let request) = frame.message else { Issue.record("not a list request"); return }
        #expect(request.sort == .newest)
        #expect(request.cursorKey == nil)
        #expect(request.filter.recoverable == nil)
        #expect(request.filter.createdAfter == nil)
        #expect(request.filter.createdBefore == nil)
        #expect(request.filter.nextRetryBefore == nil)
        #expect(request.filter.service == "billing")
    }

    @Test("an ActionRequest, a ShowReply, a ListReply and a StatsReply without the new tags decode with them absent")
    func oldRepliesAndActions() throws {
        guard case .actionRequest(let action) = try FrameCodec.decode(try vector("action_request_discard")).message else {
            Issue.record("not an action request"); return
        }
        #expect(action.actor == nil)
        guard case .showReply(let shown) = try FrameCodec.decode(try vector("show_reply")).message else {
            Issue.record("not a show reply"); return
        }
        #expect(!shown.history.isEmpty)
        #expect(shown.history.allSatisfy { $0.actor == nil })
        guard case .listReply(let page) = try FrameCodec.decode(try vector("list_reply")).message else {
            Issue.record("not a list reply"); return
        }
        #expect(page.nextCursorKey == nil)
        guard case .statsReply(let stats) = try FrameCodec.decode(try vector("stats_reply")).message else {
            Issue.record("not a stats reply"); return
        }
        #expect(stats.dueNow == nil)
        #expect(stats.overview == nil)
    }

    @Test("the new tags are written only when set, so a default request encodes as before")
    func defaultsEncodeAsBefore() throws {
        let old = try vector("action_request_discard")
        let frame = Frame(requestId: 41, message: .actionRequest(ActionRequest(action: .discard, target: .execution(41))))
        #expect(FrameCodec.encode(frame) == old)
        let list = try FrameCodec.decode(try vector("list_request_any"))
        #expect(FrameCodec.encode(list) == (try vector("list_request_any")))
    }

    @Test("an actor of exactly 128 bytes is accepted and one of 129 is limit_exceeded naming the field")
    func actorLimit() throws {
        let fits = String(repeating: "é", count: 64)  // 128 bytes
        let frame = Frame(requestId: 1, message: .actionRequest(ActionRequest(action: .retryNow, target: .execution(1), actor: fits)))
        #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == frame)
        let over = Frame(requestId: 1, message: .actionRequest(ActionRequest(action: .retryNow, target: .execution(1), actor: fits + "a")))
        do {
            _ = try FrameCodec.decode(FrameCodec.encode(over))
            Issue.record("a 129-byte actor decoded")
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.message.hasPrefix("ActionRequest.actor"))
        }
    }

    @Test("the overview and every new field survive a round trip")
    func roundTrip() throws {
        let overview = Overview(bucketMs: 3_600_000, since: 0, series: [ServiceSeries(service: "a", counts: Array(repeating: 1, count: 24))],
                                topErrorsHour: [ErrorCount(code: "X", count: 2)], topErrorsDay: [])
        let stats = Frame(requestId: 9, message: .statsReply(StatsReply(
            counts: [], services: [], recordsAccepted: 0, recordsDuplicate: 0, recordsStale: 0, recordsRejected: 0,
            successesNotHeld: 0, commandsDispatched: 0, leasesExpired: 0, uptimeMs: 0, dueNow: 0, overview: overview)))
        #expect(try FrameCodec.decode(FrameCodec.encode(stats)) == stats)
        let list = Frame(requestId: 9, message: .listRequest(ListRequest(
            filter: Filter(recoverable: 2, createdAfter: -1, createdBefore: 5, nextRetryBefore: 7), cursor: 3, limit: 1,
            sort: .nextRetry, cursorKey: 11)))
        #expect(try FrameCodec.decode(FrameCodec.encode(list)) == list)
    }
}

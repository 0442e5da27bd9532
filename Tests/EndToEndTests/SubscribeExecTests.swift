import CompClient
import CompWire
import Foundation
import Testing

/// `compctl subscribe --exec` against a real compd.
@Suite(.serialized)
struct SubscribeExecTests {
    private func lines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("a payload over 64 KiB reaches a child that writes a lot before it reads its stdin")
    func largePayloadNoDeadlock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let payload = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        _ = try broker.reporter().send([failureRecord(eventId: "big", spec: quickSpec(minBackoffMs: 50), payload: payload)])
        let received = directory.path + "/received.json"
        // 256 KiB to stderr and to stdout first (each past a pipe's 64 KiB), then read stdin.
        let script = "head -c 262144 /dev/zero >&2; head -c 262144 /dev/zero; cat > '\(received)'"
        let run = try compctl(["subscribe", "--service", "orders", "--instance", "big", "--count", "1",
            "--wait", "5s", "--exec", script, "--broker", broker.listen, "--json"], deadline: 60)
        let hung = run.hung
        #expect(!hung)
        #expect(run.status == 0, "\(run.err)")
        #expect(lines(run.out).map { $0["result"] as? String } == ["success"])
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: received))) as? [String: Any])
        #expect(json["eventId"] as? String == "big")
        let base64 = try #require(json["payloadBase64"] as? String)
        #expect(Data(base64Encoded: base64) == Data(payload))
    }

    @Test("a child that exits without reading its stdin does not kill compctl (SIGPIPE)")
    func childIgnoresStdin() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let payload = [UInt8](repeating: 0x61, count: 200_000)
        _ = try broker.reporter().send([
            failureRecord(eventId: "deaf-1", spec: quickSpec(minBackoffMs: 50), payload: payload),
            failureRecord(eventId: "deaf-2", spec: quickSpec(minBackoffMs: 50), payload: payload),
        ])
        let run = try compctl(["subscribe", "--service", "orders", "--instance", "deaf", "--count", "2",
            "--wait", "5s", "--exec", "exit 0", "--broker", broker.listen, "--json"], deadline: 60)
        let hung = run.hung
        #expect(!hung)
        #expect(run.status == 0, "status \(run.status): \(run.err)")
        #expect(lines(run.out).map { $0["result"] as? String } == ["success", "success"])
        #expect(lines(run.out).map { $0["outcome"] as? String } == ["accepted", "accepted"])
    }

    @Test("exec mode leases one command at a time and keeps the running one's lease alive")
    func oneAtATime() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        // Leases of 4 s; each run takes 5 s: a command leased while another runs would expire.
        _ = try broker.reporter().send((1...3).map {
            failureRecord(eventId: "slow-\($0)", spec: quickSpec(minBackoffMs: 50, timeoutMs: 4000))
        })
        let run = try compctl(["subscribe", "--service", "orders", "--instance", "slow", "--count", "3",
            "--wait", "5s", "--exec", "cat > /dev/null; sleep 5", "--broker", broker.listen, "--json"], deadline: 120)
        let hung = run.hung
        #expect(!hung)
        #expect(run.status == 0, "\(run.err)")
        let handled = lines(run.out)
        #expect(handled.map { $0["result"] as? String } == ["success", "success", "success"])
        #expect(handled.map { $0["outcome"] as? String } == ["accepted", "accepted", "accepted"])
        let stats = try broker.admin().stats()
        #expect(stats.leasesExpired == 0)
        #expect(stats.counts.first { $0.status == 3 }?.count == 3)
    }

    @Test("a failed run reports stderr's last line cut by the protocol's rule and at most 8000 bytes of its end")
    func failedRunErrorCut() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let outcomes = try broker.reporter().send([
            failureRecord(eventId: "loud", spec: quickSpec(minBackoffMs: 50, timeoutMs: 30_000))
        ])
        let id = try #require(outcomes.first?.executionId)
        // 9000 bytes that are not UTF-8 (each read back as a 3-byte U+FFFD), then a last line of 1500 `x`.
        let script = "cat > /dev/null; head -c 9000 /dev/zero | tr '\\000' '\\377' >&2; echo >&2; "
            + "printf '%1500s' '' | tr ' ' x >&2; exit 3"
        let run = try compctl(["subscribe", "--service", "orders", "--instance", "loud", "--count", "1",
            "--wait", "5s", "--exec", script, "--broker", broker.listen, "--json"], deadline: 60)
        let hung = run.hung
        #expect(!hung)
        #expect(run.status == 0, "\(run.err)")
        #expect(lines(run.out).map { $0["outcome"] as? String } == ["accepted"])
        let error = try broker.admin().show(id).execution.error
        #expect(error.code == "EXIT_3")
        #expect(error.message == String(repeating: "x", count: 997) + "\u{2026}")
        #expect(error.detail.utf8.count <= 8000)
        #expect(error.detail.hasSuffix("\n" + String(repeating: "x", count: 1500)))
        #expect(error.detail.hasPrefix("\u{FFFD}"))
    }

    @Test("--max above 1 is refused with --exec")
    func maxWithExec() throws {
        let run = try compctl(["subscribe", "--service", "orders", "--exec", "true", "--max", "5"])
        #expect(run.status == 64)
        #expect(run.err.contains("--max"))
    }
}

import CompClient
import CompWire
import Foundation
import Testing

/// compctl's actions, lists and views against a real compd (issue 10, "The CLI's answers"):
/// exit codes, dry runs, confirmation, forced retries, marks, not-found wording, list, show, timeline,
/// watch and subscribe bounds.
@Suite(.serialized)
struct CompctlActionTests {
    @Test("bulk actions exit 0 when they changed some, 1 when refused, 3 when nothing matched")
    func exitCodes() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let at = ["--broker", broker.listen]
        _ = try broker.reporter().send([failureRecord(eventId: "x-1"), failureRecord(eventId: "x-2")])
        let park = try compctl(["park", "--service", "orders"] + at)
        #expect(park.status == 0, "\(park.err)")
        #expect(park.out.contains("parked: 2 of 2 changed"))
        let again = try compctl(["park", "--service", "orders"] + at)
        #expect(again.status == 1)
        let nothing = try compctl(["park", "--service", "nobody"] + at)
        #expect(nothing.status == 3)
        #expect(nothing.out.contains("nothing matched"))
    }

    @Test("not found is worded one way by show, actions and dry runs, and exits 3")
    func notFound() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        for command in [["show", "424242"], ["discard", "424242"], ["retry", "424242"], ["mark", "424242", "--recoverable"],
                        ["park", "424242", "--dry-run"]] {
            let run = try compctl(command + ["--broker", broker.listen])
            #expect(run.status == 3, "\(command)")
            #expect(run.err == "compctl: execution 424242 not found\n", "\(command): \(run.err)")
        }
    }

    @Test("--dry-run lists what would change and changes nothing")
    func dryRun() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let outcomes = try broker.reporter().send([failureRecord(eventId: "d-1"), failureRecord(eventId: "d-2")])
        let first = outcomes[0].executionId
        _ = try compctl(["park", "\(first)", "--broker", broker.listen])
        let run = try compctl(["park", "--service", "orders", "--dry-run", "--broker", broker.listen, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let preview = try json(run.out)
        #expect(preview["matched"] as? Int == 2)
        #expect(preview["wouldChange"] as? Int == 1)
        let items = try #require(preview["executions"] as? [[String: Any]])
        let refused = try #require(items.first { $0["executionId"] as? Int == Int(first) })
        #expect((refused["refusal"] as? String)?.contains("nothing to change") == true)
        let list = try broker.admin().list(Filter(statuses: [4]))
        #expect(list.executions.count == 1)  // still only the one parked before
    }

    @Test("a filter matching more than 100 executions needs --yes without a terminal")
    func confirmation() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        _ = try broker.reporter().send((0..<101).map { failureRecord(eventId: "c-\($0)") })
        let refused = try compctl(["park", "--service", "orders", "--broker", broker.listen])
        #expect(refused.status == 1)
        #expect(refused.err.contains("more than 100 executions; add --yes"), "\(refused.err)")
        #expect(try broker.admin().list(Filter(statuses: [4])).executions.isEmpty)
        let done = try compctl(["park", "--service", "orders", "--yes", "--broker", broker.listen])
        #expect(done.status == 0, "\(done.err)")
        #expect(done.out.contains("101 of 101 changed"))
    }

    @Test("retry of a leased execution says why it is refused; --force fences the lease and retries")
    func forcedRetry() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        _ = try broker.reporter().send([failureRecord(eventId: "f-1", spec: quickSpec(minBackoffMs: 0, timeoutMs: 60_000))])
        let subscriber = try broker.subscriber(instance: "slow")
        var commands: [RetryCommand] = []
        #expect(try eventually(20) {
            commands = try subscriber.fetch(max: 1, waitMilliseconds: 500)
            return !commands.isEmpty
        })
        let command = try #require(commands.first)
        let refused = try compctl(["retry", "\(command.executionId)", "--broker", broker.listen])
        #expect(refused.status == 1)
        #expect(refused.err.contains("is leased to slow"), "\(refused.err)")
        #expect(refused.err.contains("--force"))
        let forced = try compctl(["retry", "\(command.executionId)", "--force", "--broker", broker.listen])
        #expect(forced.status == 0, "\(forced.err)")
        let view = try broker.admin().show(command.executionId).execution
        #expect(view.status == 1)
        #expect(view.leaseHolder == nil)
        #expect(view.retries == 0)  // the abandoned attempt is not counted
        #expect(try subscriber.succeeded(command).status == .stale)  // the fenced holder's result
    }

    @Test("mark --recoverable on an exhausted park says the execution stays parked and why")
    func markExhausted() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let outcome = try broker.reporter().send([failureRecord(eventId: "m-1", spec: RetrySpecPatch(maxRetries: 0))])
        let id = outcome[0].executionId
        let run = try compctl(["mark", "\(id)", "--recoverable", "--broker", broker.listen])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("marked recoverable: 1 of 1 changed"))
        #expect(run.out.contains("still PARKED (exhausted): \(id): marking adds no attempts"), "\(run.out)")
    }

    @Test("list prints a header and a legend, no error column for SUCCEEDED, and --json carries the cursor")
    func listOutput() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        _ = try broker.reporter().send([failureRecord(eventId: "l-1", code: "GONE"), failureRecord(eventId: "l-2")])
        _ = try broker.reporter().send([Record(
            id: RecordIdentifier.next(), kind: .success, service: "orders", processor: "billing", function: "charge",
            eventId: "l-1", occurredAt: nowMs())])
        let text = try compctl(["list", "--broker", broker.listen])
        let lines = text.out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("ID  ") == true, "\(text.out)")
        #expect(lines.first?.contains("RETRIES/MAX") == true)
        #expect(text.out.contains("RETRIES/MAX: attempts made / retries allowed"))
        let succeeded = try #require(lines.first { $0.contains("SUCCEEDED") })
        #expect(!succeeded.contains("error="))
        let page = try compctl(["list", "--limit", "1", "--broker", broker.listen, "--json"])
        let object = try json(page.out)
        #expect((object["executions"] as? [Any])?.count == 1)
        let cursor = try #require(object["nextCursor"] as? Int)
        let next = try json(try compctl(["list", "--limit", "1", "--cursor", "\(cursor)", "--broker", broker.listen, "--json"]).out)
        #expect(next["nextCursor"] is NSNull)
    }

    @Test("show prints the payload as text or hex and writes it with --payload-out")
    func showPayload() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let bytes: [UInt8] = [0xff, 0x00, 0x41]
        let outcomes = try broker.reporter().send([failureRecord(eventId: "p-1", payload: Array("{\"order\":7}".utf8)),
                                                   failureRecord(eventId: "p-2", payload: bytes)])
        let text = try compctl(["show", "\(outcomes[0].executionId)", "--broker", broker.listen])
        #expect(text.out.contains("payload (11 bytes, UTF-8):\n{\"order\":7}"), "\(text.out)")
        let file = directory.path + "/payload.bin"
        let binary = try compctl(["show", "\(outcomes[1].executionId)", "--payload-out", file, "--broker", broker.listen])
        #expect(binary.out.contains("payload (3 bytes, hex) (written to \(file)):\nff0041"), "\(binary.out)")
        #expect(FileManager.default.contents(atPath: file) == Data(bytes))
    }

    @Test("timeline shows every execution and row of a correlation id across services, in time order")
    func timeline() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        _ = try broker.reporter().send([failureRecord(service: "orders", eventId: "t-1", correlationId: "order-9")])
        _ = try broker.reporter().send([failureRecord(service: "billing", eventId: "t-2", correlationId: "order-9"),
                                        failureRecord(service: "billing", eventId: "t-3", correlationId: "other")])
        let run = try compctl(["timeline", "order-9", "--broker", broker.listen, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let timeline = try json(run.out)
        let executions = try #require(timeline["executions"] as? [[String: Any]])
        #expect(executions.compactMap { $0["service"] as? String } == ["orders", "billing"])
        let entries = try #require(timeline["entries"] as? [[String: Any]])
        #expect(entries.count == 2)
        let seqs = entries.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted())
        let none = try compctl(["timeline", "order-nobody", "--broker", broker.listen])
        #expect(none.status == 3)
        #expect(none.out.contains("no executions with correlation id order-nobody"))
    }

    @Test("watch refuses an unknown kind naming the kinds, and shows pause and resume")
    func watchKinds() throws {
        let bad = try compctl(["watch", "--kind", "parked"])
        #expect(bad.status == 64)
        #expect(bad.err.contains("unknown kind `parked` (a park is not a kind: use --status PARKED)"), "\(bad.err)")
        #expect(bad.err.contains("pause, resume"))
        let badAddress = try compctl(["watch", "--events", "7451"])
        #expect(badAddress.status == 64)
        #expect(badAddress.err.contains("--events: expected tcp://HOST:PORT or ipc:///path"), "\(badAddress.err)")
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let watcher = Locked<(status: Int32, out: String, err: String, hung: Bool)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let run = try? compctl(["watch", "--events", broker.events, "--kind", "pause,resume", "--count", "2", "--json"],
                                   deadline: 60)
            watcher.with { $0 = run }
            done.signal()
        }.start()
        // The watcher's subscription takes a moment to join: pause and resume until it has seen both.
        var round = 0
        while done.wait(timeout: .now() + 0.3) == .timedOut, round < 100 {
            _ = try compctl(["pause", "--service", "orders", "--broker", broker.listen])
            _ = try compctl(["resume", "--service", "orders", "--broker", broker.listen])
            round += 1
        }
        let run = try #require(watcher.with { $0 })
        #expect(run.status == 0, "\(run.err)")
        let kinds = run.out.split(separator: "\n").compactMap { try? json(String($0))["kind"] as? String }
        #expect(kinds.count == 2)
        #expect(Set(kinds).isSubset(of: ["pause", "resume"]))
    }

    @Test("subscribe --count with --wait gives up when fewer commands come, naming how many")
    func subscribeWait() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        _ = try broker.reporter().send([failureRecord(eventId: "w-1", spec: quickSpec(minBackoffMs: 0)),
                                        failureRecord(eventId: "w-2", spec: quickSpec(minBackoffMs: 0))])
        let run = try compctl(["subscribe", "--service", "orders", "--count", "3", "--wait", "3s", "--succeed",
                               "--broker", broker.listen], deadline: 60)
        #expect(!run.hung)
        #expect(run.status == 75)
        #expect(run.err.contains("2 of 3 commands came; none more within --wait 3s"), "\(run.err)")
    }
}

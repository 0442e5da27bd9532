import CompAuth
import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// Keys, MAC'd frames, replay protection, scopes and auth modes (issue 15) against real compd processes.
@Suite(.serialized)
struct KeysTests {
    /// Runs `compd keys create` on `directory`; returns its exit status, standard output and error.
    static func createKey(_ directory: String, name: String, role: String, services: [String] = []) throws
        -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        process.arguments = ["keys", "create", "--data", directory, "--name", name, "--role", role]
            + services.flatMap { ["--service", $0] }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// A key made offline; the test fails when compd refuses.
    static func key(_ directory: String, name: String, role: String, services: [String] = []) throws -> AuthKey {
        let made = try createKey(directory, name: name, role: role, services: services)
        #expect(made.status == 0, "\(made.err)")
        return try AuthKey(line: made.out)
    }

    /// Three keys (an operator, a subscriber of orders, one of billing) and a compd in `mode` on them.
    struct Setup {
        let directory: TemporaryDirectory
        let broker: BrokerProcess
        let admin: AuthKey
        let orders: AuthKey
        let billing: AuthKey

        init(mode: String) throws {
            directory = try TemporaryDirectory()
            let data = directory.path + "/data"
            admin = try KeysTests.key(data, name: "admin", role: "operator")
            orders = try KeysTests.key(data, name: "orders", role: "subscriber", services: ["orders"])
            billing = try KeysTests.key(data, name: "billing", role: "subscriber", services: ["billing"])
            broker = BrokerProcess(dataDirectory: data, extraArguments: ["--auth", mode])
            try broker.start()
        }

        func connection(_ key: AuthKey?) throws -> BrokerConnection {
            try BrokerConnection(address: broker.listen, timeoutMilliseconds: 5000, key: key)
        }

        /// Executions of `service` as the operator sees them.
        func count(service: String) throws -> Int {
            try AdminClient(connection: try connection(admin)).list(Filter(service: service)).executions.count
        }

        func stop() {
            broker.stop()
            directory.remove()
        }
    }

    @Test("compd keys create prints id:secret once, seals it (master.key 0600, no secret in the journal), and refuses while compd runs")
    func offlineCreate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/data"
        let made = try Self.createKey(data, name: "admin", role: "operator")
        #expect(made.status == 0, "\(made.err)")
        let key = try AuthKey(line: made.out)
        #expect(key.id.hasPrefix("k_"))
        #expect(made.err.contains("shown once"))
        let mode = try FileManager.default.attributesOfItem(atPath: data + "/master.key")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let journal = try Data(contentsOf: URL(fileURLWithPath: data + "/journal.sqlite"))
        #expect(journal.range(of: Data(key.secret)) == nil)
        #expect(journal.range(of: Data(Hex.encode(key.secret).utf8)) == nil)
        let bad = try Self.createKey(data, name: "x", role: "subscriber")
        #expect(bad.status == 64)
        #expect(bad.err.contains("--service"))
        let broker = BrokerProcess(dataDirectory: data, extraArguments: ["--auth", "required"])
        try broker.start()
        defer { broker.stop() }
        let locked = try Self.createKey(data, name: "second", role: "operator")
        #expect(locked.status == 75)
        #expect(locked.err.contains("in use by another compd"))
        // The key made offline works against the running compd.
        #expect(try AdminClient(connection: try BrokerConnection(address: broker.listen, key: key)).list(Filter()).executions.isEmpty)
    }

    @Test("required mode: unsigned frames other than Hello/Heartbeat are unauthenticated and applied nowhere; signed ones are served and answered signed")
    func requiredMode() throws {
        let setup = try Setup(mode: "required")
        defer { setup.stop() }
        let unsigned = try setup.connection(nil)
        #expect(throws: ClientError.self) { try Reporter(connection: unsigned).send([failureRecord(eventId: "u-1")]) }
        do {
            _ = try Reporter(connection: unsigned).send([failureRecord(eventId: "u-1")])
        } catch {
            #expect(error.brokerCode == .unauthenticated)
        }
        #expect(try unsigned.limits().maxFrameBytes > 0, "Hello is answered unsigned")
        let outcomes = try Reporter(connection: try setup.connection(setup.orders)).send([failureRecord(eventId: "s-1")])
        #expect(outcomes.first?.status == .accepted)
        #expect(try setup.count(service: "orders") == 1)
    }

    @Test("a subscriber key cannot report for, fetch or extend another service's work, nor act as an operator; nothing is applied")
    func scopes() throws {
        let setup = try Setup(mode: "required")
        defer { setup.stop() }
        let orders = try setup.connection(setup.orders)
        func code(_ body: () throws(ClientError) -> Void) -> ErrorCode? {
            do { try body(); return nil } catch { return error.brokerCode }
        }
        #expect(code { () throws(ClientError) in
            _ = try Reporter(connection: orders).send([failureRecord(eventId: "o-1"), failureRecord(service: "billing", eventId: "b-1")])
        } == .forbidden)
        #expect(try setup.count(service: "orders") == 0, "the whole batch is refused")
        #expect(try setup.count(service: "billing") == 0)
        #expect(code { () throws(ClientError) in
            _ = try Subscriber(connection: orders, service: "billing", instance: "i").fetch(max: 1, waitMilliseconds: 0)
        } == .forbidden)
        #expect(code { () throws(ClientError) in _ = try AdminClient(connection: orders).list(Filter()) } == .forbidden)
        // A billing execution leased by the billing key: the orders key may not extend its lease.
        let billing = try setup.connection(setup.billing)
        let spec = quickSpec(minBackoffMs: 0, timeoutMs: 30_000)
        _ = try Reporter(connection: billing).send([failureRecord(service: "billing", eventId: "b-2", spec: spec)])
        let holder = Subscriber(connection: billing, service: "billing", instance: "b")
        var commands: [RetryCommand] = []
        #expect(try eventually(20) { commands = try holder.fetch(max: 1, waitMilliseconds: 500); return !commands.isEmpty })
        let command = try #require(commands.first)
        #expect(code { () throws(ClientError) in
            _ = try Subscriber(connection: orders, service: "orders", instance: "o").extend(command, byMilliseconds: 60_000)
        } == .forbidden)
        let lease = try AdminClient(connection: try setup.connection(setup.admin)).show(command.executionId).execution
        #expect(lease.leaseUntil == command.leaseDeadline, "the lease was not extended")
        #expect(try holder.extend(command, byMilliseconds: 60_000) != nil, "its own key may")
    }

    @Test("a wrong MAC, an old timestamp and a repeated nonce are refused with their codes; nothing is applied")
    func forgedFrames() throws {
        let setup = try Setup(mode: "optional")
        defer { setup.stop() }
        let raw = try setup.connection(nil)
        let signer = FrameSigner(key: setup.orders)
        func send(_ record: Record, at time: Int64, nonce: UInt128, tamper: Bool = false) throws -> ErrorReply? {
            var bytes = FrameCodec.encode(Frame(requestId: 7, message: .recordBatch(RecordBatch(records: [record]))),
                                          signing: signer.signing(now: time, nonce: nonce))
            if tamper { bytes[bytes.count - 1] ^= 1 }
            let reply = try FrameCodec.decode(try raw.requestRaw(bytes))
            if case .error(let error) = reply.message { return error }
            return nil
        }
        let wrong = try send(failureRecord(eventId: "f-1"), at: nowMs(), nonce: 1, tamper: true)
        #expect(wrong?.code == ErrorCode.unauthenticated.rawValue)
        #expect(wrong?.message.hasPrefix("AuthTrailer.mac: ") == true)
        let old = try send(failureRecord(eventId: "f-2"), at: nowMs() - 120_000, nonce: 2)
        #expect(old?.code == ErrorCode.unauthenticated.rawValue)
        #expect(old?.message.hasPrefix("AuthTrailer.timestamp: ") == true)
        #expect(try setup.count(service: "orders") == 0)
        let first = try send(failureRecord(eventId: "f-3"), at: nowMs(), nonce: 3)
        #expect(first == nil)
        let replayed = try send(failureRecord(eventId: "f-4"), at: nowMs(), nonce: 3)
        #expect(replayed?.code == ErrorCode.replayed.rawValue)
        let ids = try AdminClient(connection: try setup.connection(setup.admin)).list(Filter(service: "orders")).executions.map(\.eventId)
        #expect(ids == ["f-3"])
        // Optional mode still serves unsigned frames.
        #expect(try Reporter(connection: raw).send([failureRecord(eventId: "f-5")]).first?.status == .accepted)
    }

    @Test("a reply not signed with the client's key is a protocol violation (a key the broker does not hold gets unauthenticated, unsigned)")
    func unknownKey() throws {
        let setup = try Setup(mode: "required")
        defer { setup.stop() }
        let stranger = try setup.connection(AuthKey.generate())
        do {
            _ = try AdminClient(connection: stranger).list(Filter())
            Issue.record("served a stranger")
        } catch {
            #expect(error.brokerCode == .unauthenticated)
        }
    }

    @Test("compd refuses a non-loopback listen address with --auth off (exit 64 naming --auth and --insecure), and its ipc socket is 0660")
    func bindRules() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        process.arguments = ["--data", directory.path + "/data", "--listen", "tcp://0.0.0.0:17459", "--events", "off", "--http", "off"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("--auth") && text.contains("--insecure"), "\(text)")
        try FileManager.default.createDirectory(atPath: directory.path + "/ipc", withIntermediateDirectories: true)
        let broker = BrokerProcess(dataDirectory: directory.path + "/ipc")
        try broker.start()
        defer { broker.stop() }
        let path = try #require(TransportAddress.ipcPath(of: broker.listen))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o660)
    }
}

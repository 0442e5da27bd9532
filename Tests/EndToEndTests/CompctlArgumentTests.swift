import CompClient
import CompWire
import Foundation
import Testing

/// Runs compctl with arguments given as raw bytes (Foundation's `Process` only passes valid
/// strings); returns its exit status and stderr.
func compctlRaw(_ arguments: [[UInt8]]) throws -> (status: Int32, err: String) {
    let path = try builtProduct("compctl")
    var pipe: [Int32] = [0, 0]
    guard Glibc.pipe(&pipe) == 0 else { throw TestFailure("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
    posix_spawn_file_actions_addclose(&actions, pipe[0])
    let cStrings: [UnsafeMutablePointer<CChar>?] = ([Array(path.utf8)] + arguments).map { bytes in
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        buffer[bytes.count] = 0
        return buffer
    } + [nil]
    defer { cStrings.forEach { $0?.deallocate() } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, cStrings, environ)
    close(pipe[1])
    guard rc == 0 else {
        close(pipe[0])
        throw TestFailure("posix_spawn failed: \(rc)")
    }
    let err = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true).readDataToEndOfFile()
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (exitStatus, String(decoding: err, as: UTF8.self))
}

/// compctl refuses what it cannot carry out faithfully, with a message naming what to fix.
@Suite(.serialized)
struct CompctlArgumentTests {
    @Test("an argument that is not valid UTF-8 is refused, not silently replaced")
    func invalidUTF8() throws {
        let run = try compctlRaw([Array("pause".utf8), Array("--service".utf8), [0x6F, 0xFF, 0x6B]])
        #expect(run.status == 64)
        #expect(run.err.contains("argument 3"))
        #expect(run.err.contains("not valid UTF-8"))
        #expect(run.err.contains("o\\xFFk"))
        let valid = try compctlRaw([Array("pause".utf8), Array("--service".utf8), Array("ørders".utf8),
                                    Array("--broker".utf8), Array("ipc:///tmp/compd-nobody-\(getpid()).sock".utf8),
                                    Array("--timeout".utf8), Array("200ms".utf8)])
        #expect(valid.status == 69)  // valid UTF-8 passes the check and reaches the (absent) broker
    }

    @Test("pause and resume refuse an empty service name")
    func emptyService() throws {
        for verb in ["pause", "resume"] {
            let run = try compctl([verb, "--service", ""])
            #expect(run.status == 64)
            #expect(run.err.contains("--service"))
        }
    }

    @Test("list refuses a negative cursor")
    func negativeCursor() throws {
        for arguments in [["list", "--cursor=-5"], ["list", "--cursor", "-5"]] {
            let run = try compctl(arguments)
            #expect(run.status == 64)
            #expect(run.err.contains("--cursor"))
        }
    }

    @Test("load refuses a duration of zero")
    func zeroDuration() throws {
        let run = try compctl(["load", "--max", "--duration", "0s"])
        #expect(run.status == 64)
        #expect(run.err.contains("--duration"))
    }

    @Test("resume of a service that was not paused says no change; pause and resume say what changed")
    func resumeNotPaused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let resumeFirst = try compctl(["resume", "--service", "never-paused", "--broker", broker.listen])
        #expect(resumeFirst.status == 0, "\(resumeFirst.err)")
        #expect(resumeFirst.out.contains("no change"))
        let pause = try compctl(["pause", "--service", "orders", "--broker", broker.listen])
        #expect(pause.status == 0)
        #expect(pause.out.contains("paused"))
        #expect(!pause.out.contains("no change"))
        let resume = try compctl(["resume", "--service", "orders", "--broker", broker.listen])
        #expect(resume.status == 0)
        #expect(!resume.out.contains("no change"))
        let again = try compctl(["resume", "--service", "orders", "--broker", broker.listen])
        #expect(again.out.contains("no change"))
    }

    @Test("load exits non-zero when records are rejected, and names why")
    func loadWithRejections() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        // An empty service name: the broker acknowledges every record as rejected (invalid_record).
        let run = try compctl(["load", "--broker", broker.listen, "--max", "--count", "20", "--batch", "10",
                               "--connections", "1", "--service", "", "--json"])
        #expect(run.status == 1, "\(run.err)")
        #expect(run.err.contains("20 rejected"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(summary["acknowledged"] as? Int == 20)
        #expect(summary["rejected"] as? Int == 20)
    }

    @Test("load exits 0 when every record is acknowledged and accepted")
    func loadClean() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let run = try compctl(["load", "--broker", broker.listen, "--max", "--count", "50", "--batch", "10",
                               "--connections", "2", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(summary["acknowledged"] as? Int == 50)
        #expect(summary["rejected"] as? Int == 0)
    }

    @Test("load with records of 2 KB in batches of 1000 splits them to fit the frame limit")
    func loadLargeRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let run = try compctl(["load", "--broker", broker.listen, "--max", "--count", "2000", "--batch", "1000",
                               "--record-bytes", "2048", "--connections", "1", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(summary["acknowledged"] as? Int == 2000)
        #expect(summary["errors"] as? Int == 0)
    }
}

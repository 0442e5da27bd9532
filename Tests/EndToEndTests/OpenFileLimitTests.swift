import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// compd started with a low open-file soft limit, under more connections than that limit.
@Suite(.serialized)
struct OpenFileLimitEndToEndTests {
    @Test("compd raises a low open-file soft limit and still accepts a client past 200 idle connections")
    func manyConnectionsUnderALowSoftLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let listen = TransportAddress.temporaryIPC(prefix: "compd-nofile")
        let events = TransportAddress.temporaryIPC(prefix: "compd-nofile-ev")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell lowers only the soft limit, then becomes compd.
        process.arguments = ["-c", "ulimit -Sn 64 && exec \"$0\" \"$@\"", try builtProduct("compd"),
                             "--data", directory.path, "--listen", listen, "--events", events, "--http", "off"]
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = log
        process.standardOutput = log
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let probe = try BrokerConnection(address: listen, timeoutMilliseconds: 500)
        #expect(eventually(30) { (try? probe.request(.heartbeat(Heartbeat(sentAt: 0)))) != nil })

        let limits = try String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        #expect(fields.count >= 5 && fields[3] == fields[4], "\(line)")

        // 200 idle connections to the request socket, more than the soft limit it started with.
        let path = try #require(TransportAddress.ipcPath(of: listen))
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<200 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { break }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
            }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 { idle.append(fd) } else { close(fd) }
        }
        #expect(idle.count == 200)
        // A new client is still accepted and answered.
        let client = try BrokerConnection(address: listen, timeoutMilliseconds: 2000)
        #expect(eventually(30) { (try? client.request(.heartbeat(Heartbeat(sentAt: 1)))) != nil })
    }
}

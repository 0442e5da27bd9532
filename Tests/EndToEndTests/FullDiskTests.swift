import CompClient
import CompWire
import Foundation
import Testing

/// A journal on a full disk: storage_failure at once, a bounded log, and recovery without a restart.
@Suite(.serialized)
struct FullDiskTests {
    @Test(
        "on a full disk records get storage_failure at once, the log stays short, and records are accepted again when space returns",
        .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullDisk() throws {
        let base = try TemporaryDirectory()
        defer { base.remove() }
        let mountPoint = base.path + "/disk"
        let logs = base.path + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let disk = try SmallDisk(at: mountPoint)
        defer { disk.unmount() }
        let broker = BrokerProcess(dataDirectory: mountPoint + "/data", logDirectory: logs)
        try broker.start()
        let reporter = Reporter(connection: try broker.connect(), attempts: 1)
        #expect(try reporter.send([failureRecord(eventId: "before")]).first?.status == .accepted)

        let filler = disk.fill()
        var failures = 0
        for index in 0..<300 {
            do {
                _ = try reporter.send([failureRecord(eventId: "full-\(index)", payload: [UInt8](repeating: 1, count: 4000))])
            } catch {
                guard case .broker(let code, _) = error, code == ErrorCode.storageFailure.rawValue else {
                    Issue.record("expected storage_failure, got \(error)")
                    continue
                }
                failures += 1
            }
        }
        #expect(failures > 250)
        let errorLines = broker.log.split(separator: "\n").filter { $0.contains(" error ") }
        #expect(errorLines.count >= 1)
        #expect(errorLines.count <= 3)

        unlink(filler)
        let recovered = eventually(30) {
            (try? reporter.send([failureRecord(eventId: "after-\(UInt32.random(in: 0...UInt32.max))")]).first?.status) == .accepted
        }
        #expect(recovered)
        #expect(eventually(10) { broker.log.contains("journal recovered after") })
        #expect(broker.stop() == 0)
    }
}

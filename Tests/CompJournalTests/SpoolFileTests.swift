import CompJournal
import Foundation
import Testing

/// The client's local spool file: order, bounds, settling and what survives a reopen.
struct SpoolFileTests {
    private func directory() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("spool-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    }

    private func record(_ number: Int, bytes: Int = 10) -> (recordId: [UInt8], bytes: [UInt8]) {
        (recordId: (0..<16).map { UInt8(truncatingIfNeeded: number >> (8 * (15 - $0) % 64)) },
         bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: bytes))
    }

    @Test("records come back in append order, a repeated id is kept once, and a reopen keeps them")
    func orderAndReopen() throws {
        let path = directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let spool = try SpoolFile(directory: path, limitBytes: 10_000)
            #expect(try spool.append((1...5).map { record($0) }, at: 100) == 5)
            #expect(try spool.append([record(3), record(6)], at: 200) == 1)
            spool.close()
        }
        let spool = try SpoolFile(directory: path, limitBytes: 10_000)
        let entries = try spool.oldest(limit: 100)
        #expect(entries.map(\.recordId) == [1, 2, 3, 4, 5, 6].map { record($0).recordId })
        #expect(entries.map(\.seq) == entries.map(\.seq).sorted())
        let status = try spool.status()
        #expect(status.pending == 6 && status.pendingBytes == 60 && status.oldestAppendedAt == 100)
        #expect(try spool.oldest(limit: 2).count == 2)
    }

    @Test("an append that does not fit is refused whole and leaves the spool as it was")
    func full() throws {
        let path = directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spool = try SpoolFile(directory: path, limitBytes: 100)
        try spool.append((1...8).map { record($0) }, at: 1)
        #expect(throws: SpoolError.full(pendingBytes: 80, adding: 30, limitBytes: 100)) {
            try spool.append((9...11).map { record($0) }, at: 2)
        }
        #expect(try spool.status().pending == 8)
        #expect(try spool.status().pendingBytes == 80)
        #expect(try spool.append([record(9), record(10)], at: 3) == 2)
        #expect(try spool.status().pendingBytes == 100)
    }

    @Test("settling removes delivered records, keeps refused ones apart with their code, and frees their bytes")
    func settle() throws {
        let path = directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spool = try SpoolFile(directory: path, limitBytes: 1000)
        try spool.append((1...4).map { record($0) }, at: 1)
        let entries = try spool.oldest(limit: 10)
        try spool.settle(
            delivered: [entries[0].seq, entries[2].seq],
            refused: [SpoolFile.Refused(seq: entries[1].seq, recordId: entries[1].recordId, bytes: entries[1].bytes,
                                        code: 29, detail: "id: too old", at: 5)])
        #expect(try spool.oldest(limit: 10).map(\.seq) == [entries[3].seq])
        let status = try spool.status()
        #expect(status.pending == 1 && status.pendingBytes == 10 && status.rejected == 1)
        let refused = try spool.rejected(limit: 10)
        #expect(refused.map(\.code) == [29] && refused.map(\.recordId) == [entries[1].recordId])
        #expect(try spool.clearRejected() == 1)
        #expect(try spool.status().rejected == 0)
        // Settling the same seqs again (a second forwarder) changes nothing and keeps the count right.
        try spool.settle(delivered: [entries[0].seq], refused: [])
        #expect(try spool.status().pendingBytes == 10)
    }

    @Test("two handles on one spool file see each other's appends and bounds")
    func twoHandles() throws {
        let path = directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try SpoolFile(directory: path, limitBytes: 50)
        let second = try SpoolFile(directory: path, limitBytes: 50)
        try first.append((1...3).map { record($0) }, at: 1)
        try second.append((4...5).map { record($0) }, at: 2)
        #expect(throws: SpoolError.self) { try first.append([record(6)], at: 3) }
        #expect(try second.status().pending == 5)
    }
}

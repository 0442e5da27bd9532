import CompModel
import Foundation
import Testing

@testable import CompJournal

/// The page cache sizes of compd's profiles reach SQLite.
struct CacheSizeTests {
    @Test("the writer and the reader set the cache sizes they are given, in KiB")
    func cacheSizes() throws {
        let folder = NSTemporaryDirectory() + "compjournal-cache-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/journal.db"
        let small = try Journal(options: JournalOptions(path: path, cacheKiB: 2048))
        #expect(try small.connection.pragma("cache_size") == "-2048")
        small.close()
        let standard = try Journal(options: JournalOptions(path: path))
        #expect(try standard.connection.pragma("cache_size") == "-8192")
        let reader = try JournalReader(path: path, cacheKiB: 512)
        #expect(try reader.connection.pragma("cache_size") == "-512")
        #expect(try JournalReader(path: path).connection.pragma("cache_size") == "-4096")
        #expect(try standard.connection.pragma("mmap_size") == "0")
    }
}

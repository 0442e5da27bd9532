import CompThreads
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Giving back the clean file pages start-up touched")
struct ResidentMemoryTests {
    static let sample = """
        00400000-00c00000 r-xp 00000000 08:01 1234                               /usr/bin/compd
        Size:               8192 kB
        Rss:                7700 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me
        00c00000-00d00000 r--p 00800000 08:01 1234                               /usr/bin/compd
        Rss:                1200 kB
        Anonymous:           900 kB
        00d00000-00d10000 rw-p 00900000 08:01 1234                               /usr/bin/compd
        Rss:                  64 kB
        Anonymous:            12 kB
        01000000-01100000 rw-p 00000000 00:00 0                                  [heap]
        Rss:                 512 kB
        Anonymous:           512 kB
        7f0000000000-7f0000001000 r--p 00000000 08:01 99                         /tmp/a file with spaces
        Rss:                   4 kB
        Anonymous:             0 kB
        7f0000002000-7f0000003000 r--s 00000000 08:01 98                         /dev/shm/shared
        Rss:                   4 kB
        Anonymous:             0 kB
        7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        """

    @Test("smaps is read into mappings, paths with spaces included")
    func parses() {
        let mappings = ResidentMemory.mappings(smaps: Self.sample)
        #expect(mappings.count == 7)
        #expect(mappings[0] == ResidentMemory.Mapping(start: 0x40_0000, end: 0xC0_0000, permissions: "r-xp", inode: 1234,
                                                      path: "/usr/bin/compd", residentKiB: 7700, anonymousKiB: 0))
        #expect(mappings[1].anonymousKiB == 900)
        #expect(mappings[3].path == "[heap]" && mappings[3].inode == 0)
        #expect(mappings[4].path == "/tmp/a file with spaces")
        #expect(mappings[6].start == 0x7FFD_0000_0000)
    }

    @Test("only private, read-only file mappings without pages of their own are released")
    func choosesCleanFileMappings() {
        let releasable = ResidentMemory.mappings(smaps: Self.sample).filter(\.isReleasable).map(\.path)
        // Not: relocated read-only data (its own pages), writable data, the heap, a shared mapping, the vdso.
        #expect(releasable == ["/usr/bin/compd", "/tmp/a file with spaces"])
    }

    #if os(Linux)
    @Test("a clean file mapping leaves resident memory and still reads the file; written pages keep their bytes")
    func releasesForReal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("resident-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pageCount = 64
        let size = pageCount * 4096
        let path = directory.appendingPathComponent("pages").path
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 / 4096 &+ $0) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        // A read-only mapping (released), and a private one written, then made read-only (kept: its pages are
        // its own, and the file's bytes would come back if they were dropped).
        let clean = try #require(mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0))
        let written = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0))
        try #require(clean != MAP_FAILED && written != MAP_FAILED)
        defer { munmap(clean, size); munmap(written, size) }
        var sum = 0
        for page in 0..<pageCount { sum &+= Int(clean.load(fromByteOffset: page * 4096, as: UInt8.self)) }
        #expect(sum == (0..<pageCount).reduce(0) { $0 + Int(bytes[$1 * 4096]) })
        for page in 0..<pageCount { written.storeBytes(of: 0xEE, toByteOffset: page * 4096, as: UInt8.self) }
        #expect(mprotect(written, size, PROT_READ) == 0)

        func resident(_ address: UnsafeMutableRawPointer) throws -> ResidentMemory.Mapping {
            let start = UInt(bitPattern: address)
            let mappings = ResidentMemory.currentMappings()
            return try #require(mappings.first { $0.start == start },
                                "no mapping at \(String(start, radix: 16)) among \(mappings.filter { $0.path.hasSuffix("/pages") })")
        }
        #expect(try resident(clean).residentKiB == size / 1024)
        #expect(try resident(written).anonymousKiB == size / 1024)

        let released = ResidentMemory.releaseCleanFilePages()

        #expect(released >= size / 1024)
        #expect(try resident(clean).residentKiB == 0)
        #expect(try resident(written).residentKiB == size / 1024)
        // Both still read what they held: the file's bytes, and the bytes written.
        #expect(Array(UnsafeRawBufferPointer(start: clean, count: size)) == bytes)
        for page in 0..<pageCount { #expect(written.load(fromByteOffset: page * 4096, as: UInt8.self) == 0xEE) }
    }
    #endif

    @Test("the process's resident memory is read from /proc")
    func residentKiB() throws {
        #if os(Linux)
        let kib = try #require(ResidentMemory.residentKiB())
        #expect(kib > 1024)
        #endif
    }
}

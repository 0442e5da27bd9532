#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives back the pages a process touched only while starting: code, read-only data and unwinding tables of
/// its binary and shared libraries that start-up faulted in (argument and settings parsing, migrations, the
/// runtime's one-time set-up) and that idle never runs again.
///
/// Those pages are clean copies of files, so dropping them from the process's page tables loses nothing: they
/// stay in the page cache, and a page that is needed again comes back on its next touch (a minor fault, no
/// disk read while the cache holds it). What is released is only the process's claim on them, which is what
/// resident memory (`ps`, `top`, the OOM killer's score) counts. A mapping is released only when it is
/// private, file-backed, not writable and holds no page of its own (`Anonymous: 0 kB` in `/proc/self/smaps`):
/// a read-only mapping that was written before it was made read-only (relocated data) keeps its private
/// copies, since dropping them would bring back the file's bytes. Linux only; elsewhere nothing is released.
public enum ResidentMemory {
    /// One mapping as `/proc/PID/smaps` describes it.
    public struct Mapping: Equatable, Sendable {
        /// First address.
        public var start: UInt
        /// One past the last address.
        public var end: UInt
        /// The permission field, `r-xp` and the like.
        public var permissions: String
        /// The file's inode, 0 for anonymous memory and the kernel's own mappings.
        public var inode: UInt64
        /// The file's path or the kernel's name for it (`[heap]`), empty when there is none.
        public var path: String
        /// Resident KiB.
        public var residentKiB: Int
        /// KiB of the process's own (copied-on-write or anonymous) pages.
        public var anonymousKiB: Int

        /// Creates a mapping from its fields.
        public init(start: UInt, end: UInt, permissions: String, inode: UInt64, path: String,
                    residentKiB: Int, anonymousKiB: Int) {
            self.start = start
            self.end = end
            self.permissions = permissions
            self.inode = inode
            self.path = path
            self.residentKiB = residentKiB
            self.anonymousKiB = anonymousKiB
        }

        /// Whether its resident pages are all clean copies of a file that the process cannot change: private,
        /// file-backed, without write permission, and without a page of its own.
        public var isReleasable: Bool {
            let flags = Array(permissions.utf8)
            guard flags.count == 4, flags[1] != UInt8(ascii: "w"), flags[3] == UInt8(ascii: "p") else { return false }
            return inode != 0 && !path.hasPrefix("[") && anonymousKiB == 0 && residentKiB > 0
        }
    }

    /// The mappings of an smaps text (`/proc/PID/smaps`); lines it does not know are skipped.
    public static func mappings(smaps text: String) -> [Mapping] {
        var mappings: [Mapping] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.hasSuffix(":") {
                guard !mappings.isEmpty, fields.count >= 2, let value = Int(fields[1]) else { continue }
                switch first {
                case "Rss:": mappings[mappings.count - 1].residentKiB = value
                case "Anonymous:": mappings[mappings.count - 1].anonymousKiB = value
                default: break
                }
                continue
            }
            // A mapping's header: range, permissions, offset, device, inode, [path].
            let range = first.split(separator: "-")
            guard fields.count >= 5, range.count == 2, let start = UInt(range[0], radix: 16),
                  let end = UInt(range[1], radix: 16), let inode = UInt64(fields[4]) else { continue }
            let path = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
            mappings.append(Mapping(start: start, end: end, permissions: String(fields[1]), inode: inode, path: path,
                                    residentKiB: 0, anonymousKiB: 0))
        }
        return mappings
    }

    /// This process's mappings (`/proc/self/smaps`); empty where there is none.
    public static func currentMappings() -> [Mapping] {
        readFile("/proc/self/smaps").map { mappings(smaps: $0) } ?? []
    }

    /// Releases this process's clean file pages (`Mapping.isReleasable`) and returns how many KiB were
    /// resident in the mappings released; 0 where there is no `/proc/self/smaps`.
    @discardableResult
    public static func releaseCleanFilePages() -> Int {
        #if os(Linux)
        var released = 0
        for mapping in currentMappings() where mapping.isReleasable {
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(address, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                released += mapping.residentKiB
            }
        }
        return released
        #else
        return 0
        #endif
    }

    /// The process's resident KiB (`VmRSS` of `/proc/self/status`), nil where there is none.
    public static func residentKiB() -> Int? {
        guard let text = readFile("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// A whole file of the proc file system (whose sizes read as 0, so it is read until the end).
    private static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

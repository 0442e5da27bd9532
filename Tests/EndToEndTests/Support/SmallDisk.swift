import Foundation

/// A 16 MB tmpfs mounted for one test (needs root), to fill the journal's file system on purpose.
struct SmallDisk {
    /// Where the tmpfs is mounted.
    let mountPoint: String

    /// Mounts a tmpfs at `mountPoint` (created if missing).
    ///
    /// - Throws: `TestFailure` when the mount fails.
    init(at mountPoint: String) throws {
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint]) == 0 else {
            throw TestFailure("cannot mount a tmpfs on \(mountPoint)")
        }
        self.mountPoint = mountPoint
    }

    /// Unmounts it (lazily, so a process still holding files there does not block it).
    func unmount() { _ = Self.run("/bin/umount", ["-l", mountPoint]) }

    /// Writes the file `name` on the disk until the file system is full; returns its path.
    @discardableResult
    func fill(_ name: String = "filler") -> String {
        let path = mountPoint + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { return path }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        return path
    }

    private static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

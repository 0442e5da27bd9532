import Foundation

/// An exclusive lock on a data directory (`flock` on its `lock` file, which holds the owner's pid), so
/// that a second compd on the same directory refuses to start instead of sharing the journal.
/// The lock is released when the process exits or `release()` is called.
final class DataDirectoryLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Int32

    /// Takes the lock.
    ///
    /// - Throws: `BrokerError.locked` naming the directory and the pid written by the holder when
    ///   another process holds it; `BrokerError.storage` when the file cannot be opened.
    init(directory: String) throws(BrokerError) {
        path = directory + "/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .storage("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPid(descriptor)
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw .storage("cannot lock \(path): \(String(cString: strerror(code)))")
            }
            throw .locked("\(directory) is in use by another compd" + (holder.map { " (pid \($0))" } ?? "")
                + "; stop it or choose another --data directory")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    private static func readPid(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit { close(descriptor) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `compd --version` and `compctl --version` print: the release number and the git commit.
///
/// SwiftPM cannot generate a source file from git at build time without a plugin, so the commit is
/// baked at install time: `tools/install` writes it (`git rev-parse --short HEAD`) into a file named
/// `compd-build-commit` beside the installed binaries. A binary run from `.build/` has no such file
/// and says `commit unknown`.
public enum BuildVersion {
    /// The release number.
    public static let number = "0.1.0"
    /// The file beside the binaries that holds the commit.
    public static let commitFileName = "compd-build-commit"

    /// `0.1.0 (commit abc1234)`, or `0.1.0 (commit unknown)`.
    public static var text: String { "\(number) (commit \(commit ?? "unknown"))" }

    /// The commit written beside this executable, or nil.
    static var commit: String? {
        guard let directory = executableDirectory(),
            let file = fopen(directory + "/" + commitFileName, "r")
        else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let commit = line.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        return commit.isEmpty ? nil : commit
    }

    /// The directory of the running executable (`/proc/self/exe` resolved), or nil.
    private static func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts the threads the libraries own (blocking nanomsg and SQLite calls run on them, off Swift's cooperative
/// pool): a detached pthread with the system's default stack, named for `ps -L` and debuggers, as Foundation's
/// `Thread` would start it, without linking the non-essential half of Foundation into every client of the SDK.
public enum OwnThread {
    /// Runs `body` on a new detached thread named `name` (Linux shows the first 15 bytes).
    /// A thread that cannot be created (the process is out of threads or memory) stops the process with the
    /// system's reason, as `Thread.start()` does.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let start = Start(name: name, body: body)
        let argument = Unmanaged.passRetained(start).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let created = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
            start.run()
            return nil
        }, argument)
        guard created == 0 else {
            Unmanaged<Start>.fromOpaque(argument).release()
            fatalError("cannot start thread \(name): \(String(cString: strerror(created)))")
        }
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        if let thread { pthread_detach(thread) }
        #endif
    }

    /// What a new thread runs: names itself, then the body.
    private final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        func run() {
            var shown = ""
            for scalar in name.unicodeScalars {
                guard shown.utf8.count + String(scalar).utf8.count <= 15 else { break }
                shown.unicodeScalars.append(scalar)
            }
            #if canImport(Glibc)
            // pthread_setname_np is not visible to Swift from Glibc; the kernel's own file for it is.
            let file = open("/proc/thread-self/comm", O_WRONLY)
            if file >= 0 {
                _ = shown.withCString { write(file, $0, strlen($0)) }
                close(file)
            }
            #else
            _ = pthread_setname_np(shown)
            #endif
            body()
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error reading or writing a file; the message names the path and the cause.
public enum FileError: Error, Equatable, CustomStringConvertible {
    /// No file exists at the path.
    case notFound(path: String)
    /// The path names a directory where a file was expected.
    case isDirectory(path: String)
    /// The process may not read or write the path.
    case permissionDenied(path: String)
    /// Another system call failed; `operation` is what was being done, `reason` the system's
    /// message.
    case failed(path: String, operation: String, reason: String)

    /// A one-line message naming the path and what went wrong.
    public var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file"
        case .isDirectory(let path): "\(path): is a directory, expected a file"
        case .permissionDenied(let path): "\(path): permission denied"
        case .failed(let path, let operation, let reason): "\(path): cannot \(operation): \(reason)"
        }
    }

    static func fromErrno(_ code: Int32, path: String, operation: String) -> FileError {
        switch code {
        case ENOENT: return .notFound(path: path)
        case EISDIR: return .isDirectory(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        default: return .failed(path: path, operation: operation, reason: String(cString: strerror(code)))
        }
    }
}

/// Whole-file reads and crash-safe (atomic) writes. Every GlassboxIO writer saves through
/// ``writeAtomically(_:toPath:)``.
public enum FileIO {
    /// Reads the whole file at `path`.
    ///
    /// - Throws: ``FileError`` if the file is missing, is a directory or cannot be read.
    public static func readBytes(atPath path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError.fromErrno(errno, path: path, operation: "open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FileError.fromErrno(errno, path: path, operation: "stat")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw FileError.isDirectory(path: path) }
        var result: [UInt8] = []
        if status.st_size > 0 { result.reserveCapacity(Int(status.st_size)) }
        // One read for a small file (its size plus one byte to see the end), 1 MiB at a time otherwise.
        var chunk = [UInt8](repeating: 0, count: min(1 << 20, max(4096, Int(status.st_size) + 1)))
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError.fromErrno(errno, path: path, operation: "read")
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Writes `bytes` to `path` so that the file is either the old one or the complete new one,
    /// never a partial mix: the bytes go to a temporary file in the same directory
    /// (`.NAME.PID.RANDOM.tmp`), which is flushed to disk (`fsync`) and then renamed over `path`.
    /// On failure the temporary file is removed and any previous file at `path` is untouched.
    ///
    /// A process killed during a write (`SIGKILL`, power loss) cannot remove its temporary file;
    /// after a successful write, the temporary files of `path` whose process no longer runs are
    /// removed (see ``removeStaleTemporaryFiles(ofPath:)``), so they do not pile up.
    ///
    /// - Throws: ``FileError`` naming `path` and the failing step.
    public static func writeAtomically(_ bytes: [UInt8], toPath path: String) throws {
        let (directory, name) = try split(path)
        var descriptor: Int32 = -1
        var temporaryPath = ""
        for _ in 0..<100 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporaryPath = temporaryPrefix(directory: directory, name: name) + "\(getpid()).\(suffix).tmp"
            descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw FileError.fromErrno(errno, path: path, operation: "create a temporary file in '\(directory)'")
        }
        var written = 0
        var failure: FileError?
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let count = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = FileError.fromErrno(errno, path: path, operation: "write")
                    return
                }
                written += count
            }
        }
        if failure == nil && fsync(descriptor) != 0 {
            failure = FileError.fromErrno(errno, path: path, operation: "fsync")
        }
        if close(descriptor) != 0 && failure == nil {
            failure = FileError.fromErrno(errno, path: path, operation: "close")
        }
        if failure == nil && rename(temporaryPath, path) != 0 {
            failure = FileError.fromErrno(errno, path: path, operation: "rename the temporary file into place")
        }
        if let failure {
            unlink(temporaryPath)
            throw failure
        }
        // Make the rename itself durable; failure here does not undo a completed write.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        removeStaleTemporaryFiles(ofPath: path)
    }

    /// Removes the temporary files that ``writeAtomically(_:toPath:)`` calls for `path` left
    /// behind when their process was killed: those named `.NAME.PID.*.tmp` in the directory of
    /// `path` whose process `PID` no longer exists. Files of running processes (another writer
    /// of the same path) are kept. Returns the number of files removed; errors are ignored
    /// (a file that cannot be removed is left for the next call).
    @discardableResult
    public static func removeStaleTemporaryFiles(ofPath path: String) -> Int {
        guard let (directory, name) = try? split(path), let stream = opendir(directory) else { return 0 }
        defer { closedir(stream) }
        let prefix = "." + name + "."
        var removed = 0
        while let entry = readdir(stream) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard entryName.hasPrefix(prefix), entryName.hasSuffix(".tmp") else { continue }
            let rest = entryName.dropFirst(prefix.count).dropLast(4)
            guard let dot = rest.firstIndex(of: "."), let pid = pid_t(rest[..<dot]), pid > 0,
                pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            if unlink((directory == "/" ? "/" : directory + "/") + entryName) == 0 { removed += 1 }
        }
        return removed
    }

    /// Checks that ``writeAtomically(_:toPath:)`` could write `path` now: `path` is not a
    /// directory and its directory accepts a new file (a probe file is created and removed
    /// again, so a read-only directory or file system is caught whatever the permission
    /// rules of the user). Lets a long computation fail before it starts rather than when it saves.
    ///
    /// - Throws: ``FileError`` naming `path` and the problem.
    public static func checkWritable(path: String) throws {
        let (directory, name) = try split(path)
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR { throw FileError.isDirectory(path: path) }
        let probePath = temporaryPrefix(directory: directory, name: name) + "\(getpid()).probe.tmp"
        let descriptor = open(probePath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw FileError.fromErrno(errno, path: path, operation: "create a file in '\(directory)'")
        }
        close(descriptor)
        unlink(probePath)
    }

    /// The directory and the file name of `path` (`.` when `path` has no slash).
    private static func split(_ path: String) throws -> (directory: String, name: String) {
        let slash = path.lastIndex(of: "/")
        let name = String(slash.map { path[path.index(after: $0)...] } ?? path[...])
        guard !name.isEmpty else { throw FileError.isDirectory(path: path) }
        guard let slash else { return (".", name) }
        return (slash == path.startIndex ? "/" : String(path[..<slash]), name)
    }

    /// The common start of the temporary file names of `name` in `directory`.
    private static func temporaryPrefix(directory: String, name: String) -> String {
        (directory == "/" ? "/" : directory + "/") + "." + name + "."
    }

    /// Creates the directory at `path` and any missing parents, like `mkdir -p`; an existing
    /// directory is fine.
    ///
    /// - Throws: ``FileError`` naming the first component that cannot be created (or exists
    ///   as a file).
    public static func createDirectory(atPath path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw FileError.fromErrno(errno, path: prefix, operation: "create directory")
            }
            var status = stat()
            guard stat(prefix, &status) == 0 else { throw FileError.fromErrno(errno, path: prefix, operation: "stat") }
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw FileError.failed(path: prefix, operation: "create directory", reason: "a file is in the way")
            }
            prefix += "/"
        }
    }

    /// Whether a file or directory exists at `path`.
    public static func exists(atPath path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

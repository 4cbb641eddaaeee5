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
    /// never a partial mix: the bytes go to a temporary file in the same directory, which is
    /// flushed to disk (`fsync`) and then renamed over `path`. On failure the temporary file
    /// is removed and any previous file at `path` is untouched.
    ///
    /// - Throws: ``FileError`` naming `path` (or the temporary file) and the failing step.
    public static func writeAtomically(_ bytes: [UInt8], toPath path: String) throws {
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
        guard !name.isEmpty else { throw FileError.isDirectory(path: path) }
        let prefix = directory == "/" ? "/" : directory + "/"
        var descriptor: Int32 = -1
        var temporaryPath = ""
        for _ in 0..<100 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporaryPath = "\(prefix).\(name).\(getpid()).\(suffix).tmp"
            descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw FileError.fromErrno(errno, path: temporaryPath, operation: "create temporary file")
        }
        var written = 0
        var failure: FileError?
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let count = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = FileError.fromErrno(errno, path: temporaryPath, operation: "write")
                    return
                }
                written += count
            }
        }
        if failure == nil && fsync(descriptor) != 0 {
            failure = FileError.fromErrno(errno, path: temporaryPath, operation: "fsync")
        }
        if close(descriptor) != 0 && failure == nil {
            failure = FileError.fromErrno(errno, path: temporaryPath, operation: "close")
        }
        if failure == nil && rename(temporaryPath, path) != 0 {
            failure = FileError.fromErrno(errno, path: path, operation: "rename temporary file into place")
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's peak resident set size in MiB, or 0 where unavailable: what
/// `glassbox bench train` reports beside PyTorch's.
///
/// On Linux this is `VmHWM` of `/proc/self/status`, the high-water mark of this program's own
/// memory. `getrusage`'s `ru_maxrss` is not used there: Linux carries it across `execve`, so a
/// program started by a large parent (a Python script with torch loaded) reports the parent's
/// peak instead of its own. Elsewhere it is `ru_maxrss` (KiB on Linux and BSDs, bytes on macOS).
public func peakResidentMegabytes() -> Double {
    #if os(Linux)
    if let kilobytes = statusField("VmHWM:") { return Double(kilobytes) / 1024 }
    #endif
    #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
    var usage = rusage()
    #if canImport(Glibc)
    let who = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    let who = RUSAGE_SELF
    #endif
    guard getrusage(who, &usage) == 0 else { return 0 }
    #if canImport(Darwin)
    return Double(usage.ru_maxrss) / (1024 * 1024)
    #else
    return Double(usage.ru_maxrss) / 1024
    #endif
    #else
    return 0
    #endif
}

#if os(Linux)
/// The number after `field` in `/proc/self/status` (for example `VmHWM:\t   45056 kB`), or `nil`.
private func statusField(_ field: String) -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard text.hasPrefix(field) else { continue }
        return Int(text.dropFirst(field.count).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first ?? "")
    }
    return nil
}
#endif

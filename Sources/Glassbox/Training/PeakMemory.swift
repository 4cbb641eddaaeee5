#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process's peak resident set size in MiB (`getrusage`; `ru_maxrss` is in KiB on Linux),
/// or 0 where unavailable: what `glassbox bench train` reports beside PyTorch's.
public func peakResidentMegabytes() -> Double {
    #if canImport(Glibc) || canImport(Musl)
    var usage = rusage()
    #if canImport(Glibc)
    let who = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    let who = RUSAGE_SELF
    #endif
    guard getrusage(who, &usage) == 0 else { return 0 }
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    #else
    return 0
    #endif
}

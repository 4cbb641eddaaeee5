import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The thread-pool policy of every kernel.
///
/// Work is spread with one ``parallelFor(_:_:)`` per kernel call — the calling thread and
/// worker threads that spin briefly between jobs (Threading+Pool.swift), or
/// `DispatchQueue.concurrentPerform` when those are busy — split over outputs (never over a
/// reduction axis), so results are bitwise identical for every thread count. The count comes
/// from `GLASSBOX_THREADS` if set, else all cores; set ``Threading/threadCount`` to change it
/// at run time.
public enum Threading {
    private static let storedCount = Mutex<Int>(Threading.defaultThreadCount())

    /// The number of threads kernels may use (at least 1).
    public static var threadCount: Int {
        get { storedCount.withLock { $0 } }
        set { storedCount.withLock { $0 = max(1, newValue) } }
    }

    /// The number of cores the system reports.
    public static var coreCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }

    static func defaultThreadCount() -> Int {
        if let raw = getenv("GLASSBOX_THREADS"), let n = Int(String(cString: raw)), n > 0 {
            return n
        }
        return coreCount
    }

    /// Runs `body(i)` for `i` in `0..<count`, on up to ``threadCount`` threads.
    ///
    /// With one iteration or one thread it runs inline on the calling thread. Otherwise the
    /// calling thread and the pool's spinning workers claim the iterations (Threading+Pool.swift);
    /// while the pool runs another thread's job, or inside an iteration, `concurrentPerform`
    /// does.
    @inlinable
    public static func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let threads = threadCount
        if count == 1 || threads == 1 {
            for i in 0..<count { body(i) }
            return
        }
        if runOnPool(count, threads: threads, body) { return }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBox(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { i in box.value(i) }
        }
    }

    /// ``parallelFor(_:_:)`` on the worker pool; false when the pool is taken.
    @usableFromInline
    static func runOnPool(_ count: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        WorkerPool.shared.run(count, threads: threads, body)
    }

    /// Splits `0..<total` into at most ``threadCount`` contiguous chunks, each a multiple of
    /// `granularity` (except the last) and at least `minimumChunk` long, and runs `body` on
    /// each chunk in parallel.
    @inlinable
    public static func parallelChunks(
        _ total: Int, granularity: Int = 1, minimumChunk: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        if total <= 0 { return }
        let g = max(1, granularity)
        let units = (total + g - 1) / g
        let minUnits = max(1, (minimumChunk + g - 1) / g)
        let chunks = max(1, min(threadCount, units / minUnits))
        if chunks == 1 {
            body(0..<total)
            return
        }
        let perChunk = (units + chunks - 1) / chunks
        parallelFor(chunks) { c in
            let lo = c * perChunk * g
            let hi = min(total, (c + 1) * perChunk * g)
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; the caller guarantees the
/// iterations touch disjoint data.
@usableFromInline
struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}

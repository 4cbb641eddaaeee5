import Dispatch
import GlassboxKernels
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Counts per iteration; each iteration writes only its own slot, so a double run shows up as
/// a 2 (and, under ThreadSanitizer, as a race).
private final class Hits: @unchecked Sendable {
    let counts: UnsafeMutablePointer<Int>
    let count: Int
    init(_ count: Int) {
        self.count = count
        counts = .allocate(capacity: count)
        counts.initialize(repeating: 0, count: count)
    }
    deinit { counts.deallocate() }
    var all: [Int] { Array(UnsafeBufferPointer(start: counts, count: count)) }
}

@Suite("Threading.parallelFor and its worker pool", .serialized)
struct ThreadingTests {
    @Test("every iteration runs once: 1–4 threads, 1–300 iterations, back to back and after the workers parked")
    func everyIterationOnce() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for threads in 1...4 {
            Threading.threadCount = threads
            for count in [1, 2, 3, 5, 17, 300] {
                for pause in [0, 3_000] {  // µs: none, and longer than the workers' 1 ms spin
                    let hits = Hits(count)
                    for _ in 0..<3 {
                        usleep(UInt32(pause))
                        Threading.parallelFor(count) { hits.counts[$0] += 1 }
                    }
                    #expect(
                        hits.all == Array(repeating: 3, count: count), "\(threads) threads, \(count) iterations, \(pause) µs apart")
                }
            }
        }
    }

    @Test("calls from four threads at once, each iteration calling parallelFor again, run every iteration once")
    func nestedAndConcurrentCalls() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        Threading.threadCount = 2
        let rounds = 40, outer = 8, inner = 3
        let hits = (0..<4).map { _ in Hits(rounds * outer * inner) }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for round in 0..<rounds {
                Threading.parallelFor(outer) { i in
                    Threading.parallelFor(inner) { j in hits[caller].counts[(round * outer + i) * inner + j] += 1 }
                }
            }
        }
        for caller in 0..<4 {
            #expect(hits[caller].all == Array(repeating: 1, count: rounds * outer * inner), "caller \(caller)")
        }
    }
}

import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The worker threads behind `Threading.parallelFor`.
//
// Why not one `DispatchQueue.concurrentPerform` per call: its worker threads park as soon as a
// call ends, and waking one takes 50–100 µs on the 2-core machine (measured: two 400 µs halves
// took 455–510 µs, two 50 µs halves ran one after the other on the calling thread). A training
// step runs dozens of parallel kernels of 0.05–0.5 ms with serial work between them, so most
// of the second core's share was lost to wake-ups.
//
// Here the workers spin after each job, for up to `spinSeconds`, waiting for the next one, and
// only then park on a semaphore: back-to-back kernels start on every thread within a
// microsecond, as OpenMP's workers do in PyTorch. The split of the work is the caller's, so the
// results do not depend on which thread runs which iteration.
//
// One job at a time. The job is published in one atomic word — generation (24 bits), iteration
// count (20 bits) and next unclaimed iteration (20 bits) — so a thread claims iteration i of
// generation g with one compare-and-exchange that fails once the job has changed. The job's
// closure is read only after a successful claim: the caller cannot finish the job, and so
// cannot replace the closure, before that iteration is done.

/// The pool of spinning worker threads (see the comment above).
final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool.
    static let shared = WorkerPool()

    /// How long an idle worker spins before it parks: 1 ms, longer than the serial stretches
    /// between the kernels of a training step.
    static let spinSeconds = 0.001

    /// The largest iteration count a job can carry (20 bits); larger counts go to
    /// `concurrentPerform`.
    static let maximumCount = (1 << 20) - 1

    private static let indexBits: UInt64 = 20
    private static let fieldMask: UInt64 = (1 << 20) - 1
    private static let generationMask: UInt64 = (1 << 24) - 1
    /// The cores, read once (`sysconf` reads a file each time).
    private static let cores = Threading.coreCount

    /// Generation | count | next iteration (see above).
    private let state = Atomic<UInt64>(0)
    /// Iterations finished in the current job.
    private let finished = Atomic<Int>(0)
    /// Workers that take part in the current job (the first ones).
    private let participating = Atomic<Int>(0)
    /// Whether idle workers spin: only while the threads fit the cores, so that a spinning
    /// worker never takes a core from a thread with work.
    private let spinning = Atomic<Bool>(false)
    /// Held by the thread whose job is running; a second caller runs without the pool.
    private let busy = Atomic<Bool>(false)
    /// The workers started so far (only the thread holding `busy` adds to it).
    private nonisolated(unsafe) var workers: [Worker] = []
    /// The current job's body; written before its generation is published.
    private nonisolated(unsafe) var body: ((Int) -> Void)?

    /// One worker thread's parking place.
    private final class Worker: Sendable {
        /// Set by the worker before it parks; the caller that clears it signals `wakeUp`.
        let parked = Atomic<Bool>(false)
        let wakeUp = DispatchSemaphore(value: 0)
    }

    /// Runs `body(i)` for `i` in `0..<count` on the calling thread and up to `threads − 1`
    /// workers. Returns false, running nothing, when another job holds the pool or `count` is
    /// out of range; the caller then uses `concurrentPerform`.
    func run(_ count: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard count <= Self.maximumCount, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { busy.store(false, ordering: .releasing) }
        let helpers = Swift.min(threads, count) - 1
        while workers.count < helpers { startWorker() }
        participating.store(helpers, ordering: .relaxed)
        spinning.store(threads <= Self.cores, ordering: .relaxed)
        withoutActuallyEscaping(body) { escapable in
            self.body = escapable
            finished.store(0, ordering: .relaxed)
            let generation = ((state.load(ordering: .relaxed) >> (2 * Self.indexBits)) &+ 1) & Self.generationMask
            state.store(generation << (2 * Self.indexBits) | UInt64(count) << Self.indexBits, ordering: .sequentiallyConsistent)
            for worker in workers[0..<helpers] where worker.parked.exchange(false, ordering: .sequentiallyConsistent) {
                worker.wakeUp.signal()
            }
            work(generation: generation)
            var spins = 0
            while finished.load(ordering: .acquiring) < count {
                spins += 1
                if spins & 1023 == 0 { sched_yield() }
            }
            self.body = nil
        }
        return true
    }

    /// Claims and runs iterations of job `generation` until none is left or the job changed.
    private func work(generation: UInt64) {
        var s = state.load(ordering: .acquiring)
        while true {
            let index = s & Self.fieldMask
            let count = (s >> Self.indexBits) & Self.fieldMask
            guard s >> (2 * Self.indexBits) == generation, index < count else { return }
            let (claimed, seen) = state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
            if claimed {
                body!(Int(index))
                finished.add(1, ordering: .releasing)
                s = state.load(ordering: .acquiring)
            } else {
                s = seen
            }
        }
    }

    /// The generation in the state word.
    private var generation: UInt64 { state.load(ordering: .acquiring) >> (2 * Self.indexBits) }

    /// Worker `id`'s loop: wait for a new generation (spinning for up to `spinSeconds` when
    /// allowed and taking part, else parked), then take part if among the first
    /// `participating`.
    private func loop(id: Int, _ worker: Worker) {
        var seen = generation
        while true {
            let spins = id < participating.load(ordering: .relaxed) && spinning.load(ordering: .relaxed)
            let spinUntil = spins ? Self.now() + Self.spinSeconds : 0
            var spun = 0
            while generation == seen {
                spun += 1
                // A polite spin: another runnable thread on this core gets it (tests run in
                // parallel, a program may have its own threads).
                if spun & 63 == 0 { sched_yield() }
                guard spun & 255 == 0 || spinUntil == 0, Self.now() > spinUntil else { continue }
                worker.parked.store(true, ordering: .sequentiallyConsistent)
                let noJob = state.load(ordering: .sequentiallyConsistent) >> (2 * Self.indexBits) == seen
                // Park; or, when a job came and its caller cleared the flag first, take the
                // signal it sends.
                if noJob || !worker.parked.exchange(false, ordering: .sequentiallyConsistent) { worker.wakeUp.wait() }
                spun = 0
            }
            seen = generation
            if id < participating.load(ordering: .relaxed) { work(generation: seen) }
        }
    }

    /// Seconds on a monotonic clock.
    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Starts the next worker on its own detached thread.
    private func startWorker() {
        let id = workers.count, worker = Worker()
        workers.append(worker)
        let start = Unmanaged.passRetained(WorkerStart { [unowned self] in self.loop(id: id, worker) }).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { argument in
                Unmanaged<WorkerStart>.fromOpaque(argument!).takeRetainedValue().run()
                return nil
            }, start)
        precondition(status == 0, "Threading: cannot start a worker thread (pthread_create returned \(status))")
        pthread_detach(thread)
    }
}

/// What a new worker thread runs.
private final class WorkerStart {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

import Synchronization

/// Where the time of a stretch of code goes, op by op, forward and backward, with the optimizer's
/// updates and the making of batches beside them.
///
/// ```swift
/// let (timing, profile) = try OpProfiler.profile { try trainer.measureSteps(warmup: 5, steps: 20) }
/// print(profile.table(top: 15))
/// ```
///
/// How it measures, without a hook at the start of every op (lap timing): each differentiable op
/// ends in the one place that records it in the graph (`Tensor.recorded`), and the profiler
/// charges the time since the previous mark to that op's forward. An op's forward figure
/// therefore includes the host code that ran since the op before it (argument checks, a
/// module's own bookkeeping). Backward functions are timed call by call, as the op's backward;
/// the sums of gradients that meet at one tensor are `backward: accumulate`; ordering the graph
/// is `backward: graph walk`; ``TrainingContext/minimize(_:with:frozen:clipNorm:)``'s update is
/// `optimizer` (with `zeroGrad`) and `gradient clipping`; the time up to a ``Batch`` or a tensor
/// made from host values (`Tensor(_:shape:)`: batches of tokens, masks) is `data` (a recipe that
/// batches otherwise has its batching charged to its first op). Time inside a timed region is charged to that region only, not again to
/// the ops it runs. Profiling costs a clock read per op, so absolute figures are a little high.
public final class OpProfiler: Sendable {
    /// The profiler of the current task, if any.
    @TaskLocal static var current: OpProfiler?

    private struct State {
        var last = ContinuousClock.now
        var depth = 0
        var totals: [String: (seconds: Double, count: Int)] = [:]
    }

    private let state = Mutex(State())

    private init() {}

    /// Runs `body` with profiling on for the current task and returns its result with the profile.
    public static func profile<Result>(_ body: () throws -> Result) rethrows -> (result: Result, profile: OpProfile) {
        let profiler = OpProfiler()
        let start = profiler.state.withLock { $0.last }
        let result = try $current.withValue(profiler) { try body() }
        profiler.closeLap(as: "(host code after the last op)")
        let (entries, end) = profiler.state.withLock { state in
            (state.totals.map { OpProfile.Entry(name: $0.key, seconds: $0.value.seconds, count: $0.value.count) }, state.last)
        }
        return (result, OpProfile(entries: entries, totalSeconds: seconds(end - start)))
    }

    /// Charges the time since the last mark to `name` (outside timed regions only).
    func closeLap(as name: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.depth == 0 else { return }
            state.totals[name, default: (0, 0)].seconds += Self.seconds(now - state.last)
            state.totals[name, default: (0, 0)].count += 1
            state.last = now
        }
    }

    /// Runs `body` as one timed region charged to `name`; the time since the last mark before it
    /// goes to `(host code between ops)`.
    func time<Result>(_ name: String, _ body: () throws -> Result) rethrows -> Result {
        let start = ContinuousClock.now
        let outermost = state.withLock { state in
            state.depth += 1
            guard state.depth == 1 else { return false }
            state.totals["(host code between ops)", default: (0, 0)].seconds += Self.seconds(start - state.last)
            return true
        }
        defer {
            let end = ContinuousClock.now
            state.withLock { state in
                state.depth -= 1
                guard outermost else { return }
                state.totals[name, default: (0, 0)].seconds += Self.seconds(end - start)
                state.totals[name, default: (0, 0)].count += 1
                state.last = end
            }
        }
        return try body()
    }

    /// Marks the end of `op`'s forward, when profiling.
    static func forwardEnded(_ op: DifferentiableOp) {
        current?.closeLap(as: "forward " + op.rawValue)
    }

    /// Marks the making of a batch or of a tensor from host values, when profiling.
    static func dataMade() {
        current?.closeLap(as: "data")
    }

    /// Runs `body` as a timed region `name` when profiling, else just runs it.
    static func timed<Result>(_ name: @autoclosure () -> String, _ body: () throws -> Result) rethrows -> Result {
        guard let profiler = current else { return try body() }
        return try profiler.time(name(), body)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// The figures of ``OpProfiler/profile(_:)``: seconds and calls by name.
public struct OpProfile: Sendable {
    /// One line of a profile.
    public struct Entry: Sendable, Equatable {
        /// `forward NAME`, `backward NAME`, `optimizer`, `data`, …
        public let name: String
        /// Seconds charged to it.
        public let seconds: Double
        /// Times it was charged.
        public let count: Int
    }

    /// The entries, most time first.
    public let entries: [Entry]
    /// Wall-clock seconds of the whole profiled body.
    public let totalSeconds: Double

    /// A profile of `entries` (sorted here, most time first) over `totalSeconds`.
    public init(entries: [Entry], totalSeconds: Double) {
        self.entries = entries.sorted { ($0.seconds, $1.name) > ($1.seconds, $0.name) }
        self.totalSeconds = totalSeconds
    }

    /// The `top` entries as an aligned table (share of the total, milliseconds, calls) and a
    /// last line with the rest.
    public func table(top: Int = 15) -> String {
        let shown = entries.prefix(top)
        let width = Swift.max(12, shown.map(\.name.count).max() ?? 0)
        func row(_ name: String, _ seconds: Double, _ count: Int?) -> String {
            let share = totalSeconds > 0 ? seconds / totalSeconds * 100 : 0
            let calls = count.map(String.init) ?? ""
            return rightPadded(name, width) + "  "
                + leftPadded(TextFormat.fixed(share, decimals: 1), 5) + " %  "
                + leftPadded(TextFormat.fixed(seconds * 1000, decimals: 1), 10) + " ms  " + leftPadded(calls, 8)
        }
        var lines = [rightPadded("op", width) + "  share        time     calls"]
        lines += shown.map { row($0.name, $0.seconds, $0.count) }
        let rest = entries.dropFirst(top)
        if !rest.isEmpty { lines.append(row("(\(rest.count) more)", rest.map(\.seconds).reduce(0, +), nil)) }
        lines.append(row("total", totalSeconds, nil))
        return lines.joined(separator: "\n")
    }

    private func leftPadded(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: Swift.max(0, width - text.count)) + text
    }

    private func rightPadded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: Swift.max(0, width - text.count))
    }
}

// Pooling+Average: average pooling and adaptive average pooling over contiguous planes
// [planes, H, W], and their adjoints (the backward passes).
//
// Both are one kernel: every output averages a rectangle of the input, given by per-axis tables
// of clipped window starts and ends (`PoolingWindows`, built once per call from the pooling
// geometry or from the adaptive bins), divided by a per-row factor times a per-column factor
// (or a fixed divisor override). Loop structure: planes are split into contiguous blocks over
// threads (at least `Pooling.minimumElementsPerChunk` input elements per block); within a plane
// outputs are visited row by row and each window is summed row-major, in `T`, so every output
// is computed in the same order for every thread count. The adjoint zeroes its plane and adds
// `g / divisor` over each window in output order (overlapping windows accumulate in that
// fixed order); when the windows are disjoint 2×2 blocks (kernel 2, stride 2, no padding) it
// writes each share directly instead (the same values: every position gets exactly one share).
// The window tables are read through raw pointers in the loops.

/// The windows of an averaging pool along one axis: output `i` averages input positions
/// `start[i]..<end[i]`, and contributes `divisor[i]` to the divisor (the product over the two
/// axes, unless overridden).
public struct PoolingWindows: Sendable, Equatable {
    /// The first input position of each window (inside the input).
    public let start: [Int]
    /// The end (exclusive) of each window, clipped to the input; `end ≤ start` for a window
    /// lying entirely in the padding (its output is 0).
    public let end: [Int]
    /// Each window's factor of the divisor.
    public let divisor: [Int]

    /// The number of windows (the output size along the axis).
    public var count: Int { start.count }

    /// Whether window `i` is exactly `[2i, 2i + 2)` for every `i` (kernel 2, stride 2, no
    /// padding, nothing clipped): disjoint pairs, which the adjoint writes without accumulating.
    var isPlainPairs: Bool { (0..<count).allSatisfy { start[$0] == 2 * $0 && end[$0] == 2 * $0 + 2 } }

    /// Creates windows from explicit tables (all of one length).
    public init(start: [Int], end: [Int], divisor: [Int]) {
        precondition(start.count == end.count && end.count == divisor.count, "PoolingWindows: tables of different lengths")
        self.start = start
        self.end = end
        self.divisor = divisor
    }

    /// The windows of `AvgPool2d` along one axis (dilation 1), as PyTorch computes them: window
    /// `i` covers `[i·stride − padding, min(i·stride − padding + kernel, input + padding))`,
    /// clipped to the input; its divisor factor is that length before clipping when
    /// `countIncludePad`, else after.
    public init(averaging axis: PoolingAxis, countIncludePad: Bool) {
        precondition(axis.dilation == 1, "PoolingWindows: average pooling has no dilation")
        var start: [Int] = [], end: [Int] = [], divisor: [Int] = []
        for i in 0..<Swift.max(axis.output, 0) {
            let s = i * axis.stride - axis.padding
            let e = Swift.min(s + axis.kernel, axis.input + axis.padding)
            let clippedStart = Swift.max(s, 0), clippedEnd = Swift.min(e, axis.input)
            start.append(clippedStart)
            end.append(clippedEnd)
            divisor.append(countIncludePad ? e - s : clippedEnd - clippedStart)
        }
        self.init(start: start, end: end, divisor: divisor)
    }

    /// The bins of adaptive average pooling: window `i` covers `[⌊i·input/output⌋,
    /// ⌈(i + 1)·input/output⌉)` and is divided by its length (PyTorch's `start_index`/`end_index`).
    public init(adaptiveInput input: Int, output: Int) {
        precondition(output > 0, "PoolingWindows: adaptive output size must be positive, got \(output)")
        let start = (0..<output).map { $0 * input / output }
        let end = (0..<output).map { (($0 + 1) * input + output - 1) / output }
        self.init(start: start, end: end, divisor: zip(start, end).map { $1 - $0 })
    }
}

extension Pooling {
    /// Average pooling: `y[p, oh, ow] = Σ_window x[p, h, w] / d` with
    /// `d = divisorOverride ?? rows.divisor[oh] · columns.divisor[ow]`; 0 for an empty window.
    ///
    /// - Parameters:
    ///   - x: `planes · inputHeight · inputWidth` elements.
    ///   - y: `planes · rows.count · columns.count` elements.
    public static func averageForward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, planes: Int, inputHeight: Int, inputWidth: Int,
        rows: PoolingWindows, columns: PoolingWindows, divisorOverride: Int? = nil
    ) {
        if T.self == Float.self {
            averageImpl(rebind(x, Float.self), rebind(y, Float.self), planes, inputHeight, inputWidth, rows, columns, divisorOverride, adjoint: false)
        } else if T.self == Double.self {
            averageImpl(rebind(x, Double.self), rebind(y, Double.self), planes, inputHeight, inputWidth, rows, columns, divisorOverride, adjoint: false)
        } else {
            averageImpl(x, y, planes, inputHeight, inputWidth, rows, columns, divisorOverride, adjoint: false)
        }
    }

    /// The adjoint of ``averageForward(_:_:planes:inputHeight:inputWidth:rows:columns:divisorOverride:)``
    /// (its backward): `y[p] = 0`, then for each output `(oh, ow)` in order, `g[p, oh, ow] / d`
    /// is added to every input position of its window.
    ///
    /// - Parameters:
    ///   - g: `planes · rows.count · columns.count` elements.
    ///   - y: `planes · inputHeight · inputWidth` elements, overwritten.
    public static func averageBackward<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, planes: Int, inputHeight: Int, inputWidth: Int,
        rows: PoolingWindows, columns: PoolingWindows, divisorOverride: Int? = nil
    ) {
        if T.self == Float.self {
            averageImpl(rebind(g, Float.self), rebind(y, Float.self), planes, inputHeight, inputWidth, rows, columns, divisorOverride, adjoint: true)
        } else if T.self == Double.self {
            averageImpl(rebind(g, Double.self), rebind(y, Double.self), planes, inputHeight, inputWidth, rows, columns, divisorOverride, adjoint: true)
        } else {
            averageImpl(g, y, planes, inputHeight, inputWidth, rows, columns, divisorOverride, adjoint: true)
        }
    }

    static func averageImpl<T: KernelScalar>(
        _ source: UnsafePointer<T>, _ destination: UnsafeMutablePointer<T>, _ planes: Int, _ inputHeight: Int, _ inputWidth: Int,
        _ rows: PoolingWindows, _ columns: PoolingWindows, _ divisorOverride: Int?, adjoint: Bool
    ) {
        let inCount = inputHeight * inputWidth, outCount = rows.count * columns.count
        if planes == 0 { return }
        let src = SendableConstPointer(source), dst = SendablePointer(destination)
        let isPlain2x2 = rows.isPlainPairs && columns.isPlainPairs
        // One flat table (row start, end, divisor; column start, end, divisor) read through a raw
        // pointer in the loops.
        let table = rows.start + rows.end + rows.divisor + columns.start + columns.end + columns.divisor
        table.withUnsafeBufferPointer { t in
            let tables = SendableConstPointer(t.baseAddress!)
            forEachPlaneBlock(planes: planes, perPlane: Swift.max(inCount, outCount)) { block in
                let r = tables.base, c = tables.base + 3 * rows.count
                let windows = AverageWindowPointers(
                    rowStart: r, rowEnd: r + rows.count, rowDivisor: r + 2 * rows.count, outputHeight: rows.count,
                    columnStart: c, columnEnd: c + columns.count, columnDivisor: c + 2 * columns.count,
                    outputWidth: columns.count, inputWidth: inputWidth, divisorOverride: divisorOverride)
                for p in block {
                    if adjoint {
                        let g = src.base + p * outCount, x = dst.base + p * inCount
                        if isPlain2x2 {
                            averageAdjoint2x2Plane(g, x, windows, inputHeight)
                        } else {
                            averageAdjointPlane(g, x, windows, inCount)
                        }
                    } else {
                        averagePlane(src.base + p * inCount, dst.base + p * outCount, windows)
                    }
                }
            }
        }
    }

    /// One plane of the window average, any windows.
    @inline(__always)
    static func averagePlane<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ windows: AverageWindowPointers) {
        var o = 0
        for oh in 0..<windows.outputHeight {
            let h0 = windows.rowStart[oh], h1 = windows.rowEnd[oh]
            for ow in 0..<windows.outputWidth {
                let w0 = windows.columnStart[ow], w1 = windows.columnEnd[ow]
                var sum: T = 0
                if h0 < h1 && w0 < w1 {
                    for h in h0..<h1 {
                        let row = x + h * windows.inputWidth
                        for c in w0..<w1 { sum += row[c] }
                    }
                    sum /= T(windows.divisor(oh, ow))
                }
                y[o] = sum
                o += 1
            }
        }
    }

    /// One plane of the adjoint, any windows: zero, then add each output's share in order.
    @inline(__always)
    static func averageAdjointPlane<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>, _ windows: AverageWindowPointers, _ inCount: Int
    ) {
        x.update(repeating: 0, count: inCount)
        var o = 0
        for oh in 0..<windows.outputHeight {
            let h0 = windows.rowStart[oh], h1 = windows.rowEnd[oh]
            for ow in 0..<windows.outputWidth {
                let w0 = windows.columnStart[ow], w1 = windows.columnEnd[ow]
                let delta = g[o] / T(windows.divisor(oh, ow))
                o += 1
                if h0 >= h1 || w0 >= w1 { continue }
                for h in h0..<h1 {
                    let row = x + h * windows.inputWidth
                    for c in w0..<w1 { row[c] += delta }
                }
            }
        }
    }

    /// One plane of the adjoint when windows are disjoint 2×2 blocks at even positions: each
    /// input position receives one share, `0 + g/d` (the same bits as the general loop), and
    /// positions no window covers (a last odd row or column) get 0.
    @inline(__always)
    static func averageAdjoint2x2Plane<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>, _ windows: AverageWindowPointers, _ inputHeight: Int
    ) {
        let w = windows.inputWidth, outH = windows.outputHeight, outW = windows.outputWidth
        for oh in 0..<outH {
            let upper = x + 2 * oh * w, lower = upper + w
            for ow in 0..<outW {
                let share = 0 + g[oh * outW + ow] / T(windows.divisor(oh, ow))
                upper[2 * ow] = share
                upper[2 * ow + 1] = share
                lower[2 * ow] = share
                lower[2 * ow + 1] = share
            }
            if 2 * outW < w {
                (upper + 2 * outW).update(repeating: 0, count: w - 2 * outW)
                (lower + 2 * outW).update(repeating: 0, count: w - 2 * outW)
            }
        }
        if 2 * outH < inputHeight { (x + 2 * outH * w).update(repeating: 0, count: (inputHeight - 2 * outH) * w) }
    }
}

/// The window tables of one averaging call as raw pointers (valid during the call).
struct AverageWindowPointers {
    let rowStart: UnsafePointer<Int>, rowEnd: UnsafePointer<Int>, rowDivisor: UnsafePointer<Int>, outputHeight: Int
    let columnStart: UnsafePointer<Int>, columnEnd: UnsafePointer<Int>, columnDivisor: UnsafePointer<Int>, outputWidth: Int
    let inputWidth: Int
    let divisorOverride: Int?

    /// The divisor of output `(oh, ow)`.
    @inline(__always)
    func divisor(_ oh: Int, _ ow: Int) -> Int { divisorOverride ?? rowDivisor[oh] * columnDivisor[ow] }
}

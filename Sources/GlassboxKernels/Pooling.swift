// Pooling: max pooling with argmax indices over a contiguous buffer of planes [planes, H, W]
// (planes = N·C of an NCHW tensor), and the window geometry shared by every pooling kernel.
//
// Loop structure: planes are split into contiguous blocks over `Threading.threadCount` threads
// (at least `minimumElementsPerChunk` input elements per block); within a plane, outputs are
// visited row by row and each window is scanned row-major (kernel row, then kernel column), so
// every output is computed by the same code in the same order for every thread count. The
// clipped start and end of every window column are computed once per call (two small arrays),
// not per element. Kernel 2×2, stride 2, no padding, dilation 1, no partial window (the common
// CNN case) has its own
// loop; for Float it is branch-free: eight windows per step from two 16-lane row loads, compared
// lane-wise with SIMD masks (data-dependent branches on random data mispredict about half the
// time). Indices
// are `Int32` positions within the plane (`h·W + w`), as PyTorch's `return_indices` gives them.
//
// Other kernels of the family: `Pooling+Average.swift` (average and adaptive average pooling and
// their adjoints), `Pooling+Indexed.swift` (gather and scatter-add by plane indices: the
// max-pool backward and nearest upsampling).

/// The geometry of a pooling window along one spatial axis, with PyTorch's output-size rule.
public struct PoolingAxis: Sendable, Equatable {
    /// The input size along the axis.
    public let input: Int
    /// The window size.
    public let kernel: Int
    /// The step between windows.
    public let stride: Int
    /// Implicit padding on both sides.
    public let padding: Int
    /// The step between window elements.
    public let dilation: Int
    /// The number of windows (the output size).
    public let output: Int

    /// Creates the geometry; `output` follows PyTorch's `pooling_output_shape`:
    /// `⌊(input + 2·padding − dilation·(kernel − 1) − 1 + (ceilMode ? stride − 1 : 0)) / stride⌋ + 1`,
    /// reduced by one in ceil mode when the last window would start at or after
    /// `input + padding` (it must start inside the input or the left padding).
    ///
    /// The caller validates the arguments (positive kernel, stride and dilation, padding at most
    /// half the kernel, positive output) with messages naming its op.
    public init(input: Int, kernel: Int, stride: Int, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.output = Self.outputSize(
            input: input, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// PyTorch's pooling output size (see ``init(input:kernel:stride:padding:dilation:ceilMode:)``).
    public static func outputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool) -> Int {
        precondition(stride > 0, "PoolingAxis: stride must be positive, got \(stride)")
        let numerator = input + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)
        // Division rounding toward −∞ (PyTorch's div_rtn).
        var quotient = numerator / stride
        if numerator % stride != 0 && numerator < 0 { quotient -= 1 }
        var output = quotient + 1
        if ceilMode && (output - 1) * stride >= input + padding { output -= 1 }
        return output
    }

    /// Whether every window holds at least one input element. With dilation a window can fall
    /// entirely into the padding (e.g. input 2, kernel 2, padding 1, dilation 3: positions −1
    /// and 2); PyTorch then returns −∞ with an index outside the plane, which max pooling
    /// rejects instead.
    public var everyWindowOverlapsInput: Bool {
        (0..<Swift.max(output, 0)).allSatisfy { clippedWindow($0).start < clippedWindow($0).end }
    }

    /// The first input position of window `i` that lies inside the input (stepping over
    /// padding by whole dilation steps), and the end (exclusive) of the window clipped to the
    /// input.
    func clippedWindow(_ i: Int) -> (start: Int, end: Int) {
        var start = i * stride - padding
        let end = Swift.min(start + (kernel - 1) * dilation + 1, input)
        while start < 0 { start += dilation }
        return (start, end)
    }
}

/// Pooling kernels over contiguous planes `[planes, height, width]` (see the file comments of
/// `Pooling*.swift` for the loop structures). Every kernel splits planes over threads and is
/// bitwise deterministic for every ``Threading/threadCount``.
public enum Pooling {
    /// Blocks of planes handed to one thread hold at least this many input elements.
    static let minimumElementsPerChunk = 1 << 14

    /// Runs `body` on contiguous blocks of planes, in parallel when large enough.
    @inline(__always)
    static func forEachPlaneBlock(planes: Int, perPlane: Int, _ body: (Range<Int>) -> Void) {
        Threading.parallelChunks(
            planes, minimumChunk: Swift.max(1, minimumElementsPerChunk / Swift.max(1, perPlane)), body)
    }

    /// Max pooling: `y[p, oh, ow]` = the largest `x[p, h, w]` over the window of output
    /// `(oh, ow)`, and `indices[p, oh, ow]` = its position `h·W + w` in the plane.
    ///
    /// Windows are scanned row-major; the first maximum wins ties, and a NaN wins over any
    /// number (a later NaN over an earlier one), like PyTorch. Padding never wins: it is
    /// skipped, not filled with −∞. Every window must hold an input element
    /// (``PoolingAxis/everyWindowOverlapsInput``).
    ///
    /// - Parameters:
    ///   - x: `planes · height.input · width.input` elements.
    ///   - y, indices: `planes · height.output · width.output` elements each.
    public static func maxForward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafeMutablePointer<Int32>,
        planes: Int, height: PoolingAxis, width: PoolingAxis
    ) {
        precondition(height.input * width.input <= Int(Int32.max), "Pooling.maxForward: plane of \(height.input)×\(width.input) too large for Int32 indices")
        precondition(
            height.everyWindowOverlapsInput && width.everyWindowOverlapsInput,
            "Pooling.maxForward: a window lies entirely in the padding")
        if T.self == Float.self {
            maxForwardImpl(rebind(x, Float.self), rebind(y, Float.self), indices, planes, height, width)
        } else if T.self == Double.self {
            maxForwardImpl(rebind(x, Double.self), rebind(y, Double.self), indices, planes, height, width)
        } else {
            maxForwardImpl(x, y, indices, planes, height, width)
        }
    }

    static func maxForwardImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafeMutablePointer<Int32>,
        _ planes: Int, _ height: PoolingAxis, _ width: PoolingAxis
    ) {
        let inCount = height.input * width.input, outCount = height.output * width.output
        if planes == 0 || outCount == 0 { return }
        let xs = SendableConstPointer(x), ys = SendablePointer(y), ix = SendablePointer(indices)
        let isPlain2x2 = [height, width].allSatisfy {
            $0.kernel == 2 && $0.stride == 2 && $0.padding == 0 && $0.dilation == 1 && 2 * $0.output <= $0.input
        }
        if isPlain2x2 {
            forEachPlaneBlock(planes: planes, perPlane: inCount) { block in
                for p in block {
                    let x = xs.base + p * inCount, y = ys.base + p * outCount, i = ix.base + p * outCount
                    if T.self == Float.self {
                        max2x2PlaneSIMD(rebind(x, Float.self), rebind(y, Float.self), i, height, width)
                    } else {
                        max2x2Plane(x, y, i, height, width)
                    }
                }
            }
            return
        }
        // Clipped column windows, computed once.
        var columnStart = [Int](repeating: 0, count: width.output)
        var columnEnd = [Int](repeating: 0, count: width.output)
        for ow in 0..<width.output { (columnStart[ow], columnEnd[ow]) = width.clippedWindow(ow) }
        columnStart.withUnsafeBufferPointer { cs in
            columnEnd.withUnsafeBufferPointer { ce in
                let starts = SendableConstPointer(cs.baseAddress!), ends = SendableConstPointer(ce.baseAddress!)
                forEachPlaneBlock(planes: planes, perPlane: inCount) { block in
                    for p in block {
                        maxPlane(
                            xs.base + p * inCount, ys.base + p * outCount, ix.base + p * outCount,
                            height, width, starts.base, ends.base)
                    }
                }
            }
        }
    }

    /// One plane, any geometry.
    @inline(__always)
    static func maxPlane<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafeMutablePointer<Int32>,
        _ height: PoolingAxis, _ width: PoolingAxis, _ columnStart: UnsafePointer<Int>, _ columnEnd: UnsafePointer<Int>
    ) {
        let w = width.input, dh = height.dilation, dw = width.dilation
        var o = 0
        for oh in 0..<height.output {
            let (h0, h1) = height.clippedWindow(oh)
            for ow in 0..<width.output {
                let w0 = columnStart[ow], w1 = columnEnd[ow]
                var best = -T.infinity
                var bestIndex = h0 * w + w0
                var h = h0
                while h < h1 {
                    var i = h * w + w0
                    let end = h * w + w1
                    while i < end {
                        consider(x, i, &best, &bestIndex)
                        i += dw
                    }
                    h += dh
                }
                y[o] = best
                indices[o] = Int32(truncatingIfNeeded: bestIndex)
                o += 1
            }
        }
    }

    /// One plane, kernel 2×2, stride 2, no padding, dilation 1: the four candidates of each
    /// window in row-major order, by the rule of ``maxPlane(_:_:_:_:_:_:_:)``.
    @inline(__always)
    static func max2x2Plane<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafeMutablePointer<Int32>,
        _ height: PoolingAxis, _ width: PoolingAxis
    ) {
        let w = width.input, outW = width.output
        for oh in 0..<height.output {
            for ow in 0..<outW {
                let i0 = 2 * oh * w + 2 * ow
                var best = x[i0]
                var bestIndex = i0
                consider(x, i0 + 1, &best, &bestIndex)
                consider(x, i0 + w, &best, &bestIndex)
                consider(x, i0 + w + 1, &best, &bestIndex)
                y[oh * outW + ow] = best
                indices[oh * outW + ow] = Int32(truncatingIfNeeded: bestIndex)
            }
        }
    }

    /// ``max2x2Plane(_:_:_:_:_:)`` for `Float`, branch-free: eight windows per step
    /// (four when the row has fewer than eight outputs) from two row loads of twice as many
    /// lanes, their candidates (even and odd lanes of the upper and lower row) compared lane-wise
    /// in the same order and by the same rule. The code names the concrete vector types because
    /// `SIMD` comparisons on a generic scalar compile to per-lane branch loops. The last group of
    /// a row is aligned to the row's end (recomputing a few outputs instead of a tail loop); rows
    /// of fewer than four outputs use the scalar loop.
    static func max2x2PlaneSIMD(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ indices: UnsafeMutablePointer<Int32>,
        _ height: PoolingAxis, _ width: PoolingAxis
    ) {
        let w = width.input, outW = width.output
        if outW >= 8 {
            forEachGroup(of: 8, height, width) { i0, o in
                let upper = UnsafeRawPointer(x + i0).loadUnaligned(as: SIMD16<Float>.self)
                let lower = UnsafeRawPointer(x + i0 + w).loadUnaligned(as: SIMD16<Float>.self)
                var best = upper.evenHalf, offset = SIMD8<Int32>()
                consider(upper.oddHalf, SIMD8(repeating: 1), &best, &offset)
                consider(lower.evenHalf, SIMD8(repeating: Int32(truncatingIfNeeded: w)), &best, &offset)
                consider(lower.oddHalf, SIMD8(repeating: Int32(truncatingIfNeeded: w + 1)), &best, &offset)
                let bestIndex = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ Int32(truncatingIfNeeded: i0) &+ offset
                UnsafeMutableRawPointer(y + o).storeBytes(of: best, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(indices + o).storeBytes(of: bestIndex, as: SIMD8<Int32>.self)
            }
        } else if outW >= 4 {
            forEachGroup(of: 4, height, width) { i0, o in
                let upper = UnsafeRawPointer(x + i0).loadUnaligned(as: SIMD8<Float>.self)
                let lower = UnsafeRawPointer(x + i0 + w).loadUnaligned(as: SIMD8<Float>.self)
                var best = upper.evenHalf, offset = SIMD4<Int32>()
                consider(upper.oddHalf, SIMD4(repeating: 1), &best, &offset)
                consider(lower.evenHalf, SIMD4(repeating: Int32(truncatingIfNeeded: w)), &best, &offset)
                consider(lower.oddHalf, SIMD4(repeating: Int32(truncatingIfNeeded: w + 1)), &best, &offset)
                let bestIndex = SIMD4<Int32>(0, 2, 4, 6) &+ Int32(truncatingIfNeeded: i0) &+ offset
                UnsafeMutableRawPointer(y + o).storeBytes(of: best, as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(indices + o).storeBytes(of: bestIndex, as: SIMD4<Int32>.self)
            }
        } else {
            max2x2Plane(x, y, indices, height, width)
        }
    }

    /// Calls `step(i0, o)` for groups of `size` adjacent 2×2 windows of each output row: `i0` is
    /// the input position of the group's first window, `o` its output position; the last group
    /// of a row ends at the row's end (`size ≤ width.output`).
    @inline(__always)
    static func forEachGroup(of size: Int, _ height: PoolingAxis, _ width: PoolingAxis, _ step: (Int, Int) -> Void) {
        let outW = width.output
        for oh in 0..<height.output {
            var ow = 0
            while true {
                let start = Swift.min(ow, outW - size)
                step(2 * oh * width.input + 2 * start, oh * outW + start)
                if start == outW - size { break }
                ow += size
            }
        }
    }

    /// The max-pooling rule for one more candidate: `x[i]` replaces the best so far when larger
    /// or NaN.
    @inline(__always)
    static func consider<T: KernelScalar>(_ x: UnsafePointer<T>, _ i: Int, _ best: inout T, _ bestIndex: inout Int) {
        let v = x[i]
        if v > best || v.isNaN {
            best = v
            bestIndex = i
        }
    }

    /// The same rule lane-wise for `Float`: where `v` is larger or NaN it replaces `best`, and
    /// `index` replaces `bestIndex`. Two blends per vector, one per condition: or-ing the two
    /// masks first made LLVM move the mask through scalar registers lane by lane (measured 2.6×
    /// slower with the window indices, which the 2×2 kernel now blends as offsets 0, 1, w, w + 1
    /// and adds to the windows' first positions once at the end).
    @inline(__always)
    static func consider(_ v: SIMD8<Float>, _ index: SIMD8<Int32>, _ best: inout SIMD8<Float>, _ bestIndex: inout SIMD8<Int32>) {
        let larger = v .> best, nan = v .!= v
        best.replace(with: v, where: larger)
        bestIndex.replace(with: index, where: larger)
        best.replace(with: v, where: nan)
        bestIndex.replace(with: index, where: nan)
    }

    /// ``consider(_:_:_:_:)-(SIMD8<Float>,_,_,_)`` for four lanes.
    @inline(__always)
    static func consider(_ v: SIMD4<Float>, _ index: SIMD4<Int32>, _ best: inout SIMD4<Float>, _ bestIndex: inout SIMD4<Int32>) {
        let larger = v .> best, nan = v .!= v
        best.replace(with: v, where: larger)
        bestIndex.replace(with: index, where: larger)
        best.replace(with: v, where: nan)
        bestIndex.replace(with: index, where: nan)
    }
}

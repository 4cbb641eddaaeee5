// Resampling: a linear map along one axis of a contiguous tensor viewed as [outer, input, inner],
// `y[a, r, b] = Σ_j weight_j · x[a, source_j, b]` over the taps `j` of output row `r`, given as a
// compressed table (`ResamplingTable`). Nearest, linear and cubic interpolation along an axis are
// such tables (1, 2 and 4 taps per row); the backward is the same kernel with the transposed
// table (each input position's taps listed in increasing output order), so forward and backward
// are one deterministic kernel: every output element is one dot product over its taps, summed in
// table order, whichever thread computes it. Work is split over the `outer · rows` output rows;
// each row is `inner` contiguous elements, accumulated eight SIMD lanes at a time (the tail
// scalar, in the same tap order).

/// A linear map along one axis in compressed-row form: output row `r` is
/// `Σ_{j ∈ rowStart[r]..<rowStart[r+1]} weights[j] · input[sources[j]]`.
///
/// Build one with ``nearest(input:output:scale:)``, ``nearestExact(input:output:scale:)``,
/// ``linear(input:output:alignCorners:scale:)``, ``cubic(input:output:alignCorners:scale:a:)``,
/// ``area(input:output:)``
/// (PyTorch's `interpolate` rules) or from explicit taps (``init(inputSize:taps:)``), for other
/// coordinate rules such as ONNX `Resize`'s.
public struct ResamplingTable: Sendable, Equatable {
    /// The size of the axis read.
    public let inputSize: Int
    /// The size of the axis written (the number of rows).
    public let outputSize: Int
    /// `outputSize + 1` offsets into ``sources`` and ``weights``.
    public let rowStart: [Int]
    /// The input position of each tap (in `0..<inputSize`).
    public let sources: [Int]
    /// The weight of each tap.
    public let weights: [Double]

    /// Creates a table from explicit taps: `taps[r]` lists `(source, weight)` for output row `r`.
    public init(inputSize: Int, taps: [[(source: Int, weight: Double)]]) {
        var rowStart = [0], sources: [Int] = [], weights: [Double] = []
        for row in taps {
            for (source, weight) in row {
                precondition((0..<inputSize).contains(source), "ResamplingTable: source \(source) outside 0..<\(inputSize)")
                sources.append(source)
                weights.append(weight)
            }
            rowStart.append(sources.count)
        }
        self.inputSize = inputSize
        self.outputSize = taps.count
        self.rowStart = rowStart
        self.sources = sources
        self.weights = weights
    }

    /// The adjoint map (rows = input positions, taps in increasing output order): the backward.
    public var transposed: ResamplingTable {
        var taps = [[(source: Int, weight: Double)]](repeating: [], count: inputSize)
        for r in 0..<outputSize {
            for j in rowStart[r]..<rowStart[r + 1] { taps[sources[j]].append((r, weights[j])) }
        }
        return ResamplingTable(inputSize: outputSize, taps: taps)
    }

    /// PyTorch's scale of the source coordinate (`area_pixel_compute_scale`): with
    /// `alignCorners`, `(in − 1)/(out − 1)` (0 for one output); else `1/scale` when the user's
    /// scale factor is passed on, or `in/out`.
    public static func sourceScale(input: Int, output: Int, alignCorners: Bool, scale: Double?) -> Double {
        if alignCorners { return output > 1 ? Double(input - 1) / Double(output - 1) : 0 }
        if let scale, scale > 0 { return 1 / scale }
        return Double(input) / Double(output)
    }

    /// Nearest neighbour (`mode='nearest'`): row `d` reads `min(⌊d·s⌋, in − 1)` with
    /// `s = 1/scale` or `in/out` in `Float`, as PyTorch computes it.
    public static func nearest(input: Int, output: Int, scale: Double?) -> ResamplingTable {
        let sources = Pooling.nearestSourceIndices(input: input, output: output, scaleFactor: scale)
        return ResamplingTable(inputSize: input, taps: sources.map { [($0, 1)] })
    }

    /// Nearest neighbour with half-pixel centres (`mode='nearest-exact'`): row `d` reads
    /// `min(⌊(d + 0.5)·s⌋, in − 1)` with `s = 1/scale` or `in/out` in `Float`.
    public static func nearestExact(input: Int, output: Int, scale: Double?) -> ResamplingTable {
        let s: Float = if let scale, scale > 0 { Float(1.0 / scale) } else { Float(input) / Float(output) }
        return ResamplingTable(
            inputSize: input,
            taps: (0..<output).map { d in
                [(Swift.min(Int(Float((Double(d) + 0.5) * Double(s)).rounded(.down)), input - 1), 1)]
            })
    }

    /// Linear interpolation (`linear`, `bilinear`, `trilinear` per axis): row `d` reads the
    /// source coordinate `c = s·d` (`alignCorners`) or `max(s·(d + 0.5) − 0.5, 0)`, positions
    /// `i₀ = min(⌊c⌋, in − 1)` and `i₁ = min(i₀ + 1, in − 1)` with weights `1 − λ` and `λ`,
    /// `λ = clamp(c − i₀, 0, 1)`.
    public static func linear(input: Int, output: Int, alignCorners: Bool, scale: Double?) -> ResamplingTable {
        let s = sourceScale(input: input, output: output, alignCorners: alignCorners, scale: scale)
        return ResamplingTable(
            inputSize: input,
            taps: (0..<output).map { d in
                let c = alignCorners ? s * Double(d) : Swift.max(s * (Double(d) + 0.5) - 0.5, 0)
                let i0 = Swift.min(Int(c.rounded(.down)), input - 1)
                let lambda = Swift.min(Swift.max(c - Double(i0), 0), 1)
                return [(i0, 1 - lambda), (Swift.min(i0 + 1, input - 1), lambda)]
            })
    }

    /// Adaptive averaging (`mode='area'`, `adaptive_avg_pool` per axis): row `d` averages the
    /// input positions `⌊d·in/out⌋ ..< ⌈(d + 1)·in/out⌉`, each with weight `1/length`.
    public static func area(input: Int, output: Int) -> ResamplingTable {
        ResamplingTable(
            inputSize: input,
            taps: (0..<output).map { d in
                let start = d * input / output, end = ((d + 1) * input + output - 1) / output
                return (start..<end).map { ($0, 1 / Double(end - start)) }
            })
    }

    /// Cubic convolution (`bicubic` per axis, Keys' kernel with `a`, PyTorch's −0.75): row `d`
    /// reads the source coordinate `c = s·d` (`alignCorners`) or `s·(d + 0.5) − 0.5`, the four
    /// positions `⌊c⌋ − 1 … ⌊c⌋ + 2` clamped to the axis, with the weights of `t = c − ⌊c⌋`:
    /// `W(t + 1), W(t), W(1 − t), W(2 − t)`, `W(x) = ((a + 2)x − (a + 3))x² + 1` for `|x| ≤ 1`
    /// and `((x − 5)x + 8)·a·x − 4a` for `1 < |x| < 2`.
    public static func cubic(input: Int, output: Int, alignCorners: Bool, scale: Double?, a: Double = -0.75) -> ResamplingTable {
        let s = sourceScale(input: input, output: output, alignCorners: alignCorners, scale: scale)
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return ResamplingTable(
            inputSize: input,
            taps: (0..<output).map { d in
                let c = alignCorners ? s * Double(d) : s * (Double(d) + 0.5) - 0.5
                let i = Int(c.rounded(.down))
                let t = c - Double(i)
                let w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
                return (0..<4).map { k in (Swift.min(Swift.max(i - 1 + k, 0), input - 1), w[k]) }
            })
    }
}

/// The resampling kernel (see the file comment).
public enum Resampling {
    /// Applies `table` along the middle axis of `x` viewed as `[outer, table.inputSize, inner]`,
    /// writing `y` `[outer, table.outputSize, inner]`.
    public static func apply<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, outer: Int, inner: Int, table: ResamplingTable
    ) {
        if T.self == Float.self {
            applyImpl(rebind(x, Float.self), rebind(y, Float.self), outer, inner, table)
        } else if T.self == Double.self {
            applyImpl(rebind(x, Double.self), rebind(y, Double.self), outer, inner, table)
        } else {
            applyImpl(x, y, outer, inner, table)
        }
    }

    @inline(__always)
    static func applyImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ outer: Int, _ inner: Int, _ table: ResamplingTable
    ) {
        let rows = table.outputSize, input = table.inputSize
        let totalRows = outer * rows
        if totalRows == 0 || inner == 0 { return }
        let weights = table.weights.map { T($0) }
        let src = SendableConstPointer(x), dst = SendablePointer(y)
        table.rowStart.withUnsafeBufferPointer { starts in
            table.sources.withUnsafeBufferPointer { sources in
                weights.withUnsafeBufferPointer { w in
                    let st = SendableConstPointer(starts.baseAddress!)
                    let so = SendableConstPointer(sources.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                    let wt = SendableConstPointer(w.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                    Threading.parallelChunks(totalRows, minimumChunk: Swift.max(1, (1 << 14) / inner)) { block in
                        for flat in block {
                            let a = flat / rows, r = flat - a * rows
                            let lo = st.base[r], hi = st.base[r + 1]
                            let plane = src.base + a * input * inner
                            let out = dst.base + flat * inner
                            var b = 0
                            while b + 8 <= inner {
                                var acc = SIMD8<T>(repeating: 0)
                                for j in lo..<hi {
                                    let v = UnsafeRawPointer(plane + so.base[j] * inner + b).loadUnaligned(as: SIMD8<T>.self)
                                    acc += SIMD8<T>(repeating: wt.base[j]) * v
                                }
                                UnsafeMutableRawPointer(out + b).storeBytes(of: acc, as: SIMD8<T>.self)
                                b += 8
                            }
                            while b < inner {
                                var acc: T = 0
                                for j in lo..<hi { acc += wt.base[j] * plane[so.base[j] * inner + b] }
                                out[b] = acc
                                b += 1
                            }
                        }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Conv, ConvTranspose and the pools (Max, Average, Lp, Global*) for any number of spatial dims,
// as direct loops on `Double` (the reference semantics, not the fast path): explicit pads or
// auto_pad (SAME_UPPER, SAME_LOWER, VALID), strides, dilations, groups, ceil_mode,
// count_include_pad, MaxPool indices.

/// The output sizes and begin/end pads of a sliding window over `input` spatial sizes.
struct WindowGeometry {
    var output: [Int] = []
    var begin: [Int] = []
    var end: [Int] = []

    init(_ ctx: ONNXNodeContext, input: [Int], kernel: [Int], strides: [Int], dilations: [Int], ceil: Bool) throws {
        let n = input.count
        let pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * n)
        let autoPad = ctx.string("auto_pad", "NOTSET")
        for i in 0..<n {
            let window = dilations[i] * (kernel[i] - 1) + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let o = (input[i] + strides[i] - 1) / strides[i]
                let total = max((o - 1) * strides[i] + window - input[i], 0)
                let small = total / 2
                output.append(o)
                begin.append(autoPad == "SAME_UPPER" ? small : total - small)
                end.append(autoPad == "SAME_UPPER" ? total - small : small)
            case "VALID":
                output.append(max(0, (input[i] - window) / strides[i] + 1))
                begin.append(0)
                end.append(0)
            default:
                let span = input[i] + pads[i] + pads[i + n] - window
                var o = span >= 0 ? span / strides[i] + 1 : 0
                if ceil && span >= 0 {
                    o = (span + strides[i] - 1) / strides[i] + 1
                    if (o - 1) * strides[i] >= input[i] + pads[i] { o -= 1 }
                }
                output.append(o)
                begin.append(pads[i])
                end.append(pads[i + n])
            }
        }
        guard output.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("kernel \(kernel) does not fit input \(input)") }
    }
}

/// Pools every `[N, C]` plane with `reduce(values, paddedCount)`.
func pool(_ ctx: ONNXNodeContext, _ reduce: ([Double], Int) -> Double, withIndices: Bool = false) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let spatial = Array(x.shape[2...])
    let n = spatial.count
    guard let kernel = ctx.ints("kernel_shape"), kernel.count == n else { throw ctx.fail("kernel_shape must have \(n) entries") }
    let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: n)
    let dilations = ctx.ints("dilations") ?? [Int](repeating: 1, count: n)
    let g = try WindowGeometry(ctx, input: spatial, kernel: kernel, strides: strides, dilations: dilations, ceil: ctx.int("ceil_mode", 0) != 0)
    let includePad = ctx.int("count_include_pad", 0) != 0
    let planes = x.shape[0] * x.shape[1], planeSize = spatial.reduce(1, *)
    let inStrides = stridesOf(spatial)
    let v = x.reals
    var out: [Double] = [], indices: [Int64] = []
    let columnMajor = ctx.int("storage_order", 0) != 0
    for p in 0..<planes {
        forEachIndex(g.output) { o in
            var values: [Double] = []
            var padded = 0
            var bestIndex = -1
            var best = -Double.infinity
            forEachIndex(kernel) { t in
                var flat = 0, inside = true, insidePad = true
                var colFlat = 0, colStride = 1
                for d in 0..<n {
                    let pos = o[d] * strides[d] - g.begin[d] + t[d] * dilations[d]
                    if pos < 0 || pos >= spatial[d] { inside = false }
                    if pos < -g.begin[d] || pos >= spatial[d] + g.end[d] { insidePad = false }
                    flat += pos * inStrides[d]
                    colFlat += pos * colStride
                    colStride *= spatial[d]
                }
                if insidePad { padded += 1 }
                if inside {
                    let value = v[p * planeSize + flat]
                    values.append(value)
                    if value > best || bestIndex < 0 { best = value; bestIndex = p * planeSize + (columnMajor ? colFlat : flat) }
                }
            }
            out.append(reduce(values, includePad ? padded : values.count))
            indices.append(Int64(bestIndex))
        }
    }
    let shape = Array(x.shape[..<2]) + g.output
    var result: [ONNXValue?] = [.tensor(ONNXTensor(dtype: x.dtype, shape: shape, reals: out))]
    if withIndices { result.append(.tensor(ONNXTensor(dtype: .int64, shape: shape, ints: indices))) }
    return result
}

func globalPool(_ ctx: ONNXNodeContext, _ reduce: ([Double]) -> Double) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let planeSize = x.shape[2...].reduce(1, *)
    let v = x.reals
    let out = (0..<(x.shape[0] * x.shape[1])).map { p in reduce(Array(v[(p * planeSize)..<(p * planeSize + planeSize)])) }
    return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: Array(x.shape[..<2]) + [Int](repeating: 1, count: x.rank - 2), reals: out))
}

func convolution(_ ctx: ONNXNodeContext, x: ONNXTensor, w: ONNXTensor, bias: [Double]?, xZero: Double = 0, wZero: [Double]? = nil, dtype: ONNXDataType) throws -> ONNXTensor {
    let spatial = Array(x.shape[2...])
    let n = spatial.count
    let kernel = Array(w.shape[2...])
    let group = ctx.int("group", 1)
    let (batch, c, m) = (x.shape[0], x.shape[1], w.shape[0])
    guard w.rank == x.rank, c == w.shape[1] * group, m % group == 0 else { throw ctx.fail("X \(x.shape) and W \(w.shape) do not match (group \(group))") }
    let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: n)
    let dilations = ctx.ints("dilations") ?? [Int](repeating: 1, count: n)
    let g = try WindowGeometry(ctx, input: spatial, kernel: kernel, strides: strides, dilations: dilations, ceil: false)
    let xv = x.reals.map { $0 - xZero }, wv = w.reals
    let cPerGroup = c / group, mPerGroup = m / group
    let inStrides = stridesOf(spatial), planeSize = spatial.reduce(1, *), kSize = kernel.reduce(1, *)
    let outSize = g.output.reduce(1, *)
    var out = [Double](repeating: 0, count: batch * m * outSize)
    var kernelOffsets: [[Int]] = []
    forEachIndex(kernel) { kernelOffsets.append($0) }
    for b in 0..<batch {
        var o = 0
        forEachIndex(g.output) { oi in
            var taps: [(k: Int, flat: Int)] = []
            for (ki, t) in kernelOffsets.enumerated() {
                var flat = 0, inside = true
                for d in 0..<n {
                    let pos = oi[d] * strides[d] - g.begin[d] + t[d] * dilations[d]
                    if pos < 0 || pos >= spatial[d] { inside = false; break }
                    flat += pos * inStrides[d]
                }
                if inside { taps.append((ki, flat)) }
            }
            for oc in 0..<m {
                let gi = oc / mPerGroup
                var s = bias?[oc] ?? 0
                let wz = wZero.map { $0.count == 1 ? $0[0] : $0[oc] } ?? 0
                for ic in 0..<cPerGroup {
                    let xBase = (b * c + gi * cPerGroup + ic) * planeSize
                    let wBase = (oc * cPerGroup + ic) * kSize
                    for tap in taps { s += xv[xBase + tap.flat] * (wv[wBase + tap.k] - wz) }
                }
                out[(b * m + oc) * outSize + o] = s
            }
            o += 1
        }
    }
    return ONNXTensor(dtype: dtype, shape: [batch, m] + g.output, reals: out)
}

/// ConvTranspose's begin/end pads and output sizes: from `output_shape` or `auto_pad` SAME_*
/// (the total padding split as the reference does), else from `pads` and `output_padding`.
func convTransposeGeometry(_ ctx: ONNXNodeContext, spatial: [Int], kernel: [Int], strides: [Int], dilations: [Int]) -> (pads: [Int], outShape: [Int]) {
    let n = spatial.count
    let outPad = ctx.ints("output_padding") ?? [Int](repeating: 0, count: n)
    var pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * n)
    let autoPad = ctx.string("auto_pad", "NOTSET")
    var outShape = [Int](repeating: 0, count: n)
    let explicit = ctx.ints("output_shape").map { Array($0.suffix(n)) }
    for i in 0..<n {
        let full = strides[i] * (spatial[i] - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1
        if explicit != nil || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            let target = explicit?[i] ?? spatial[i] * strides[i]
            let total = max(full - target, 0)
            if autoPad == "SAME_UPPER" || (autoPad != "SAME_LOWER" && explicit != nil && false) {
                pads[i] = total / 2
                pads[i + n] = total - total / 2
            } else if autoPad == "SAME_LOWER" {
                pads[i] = total - total / 2
                pads[i + n] = total / 2
            } else {
                pads[i] = total / 2
                pads[i + n] = total - total / 2
            }
            outShape[i] = target
        } else {
            if autoPad == "VALID" { pads[i] = 0; pads[i + n] = 0 }
            outShape[i] = full - pads[i] - pads[i + n]
        }
    }
    return (pads, outShape)
}

extension ONNXOperators {
    nonisolated(unsafe) static let convolutionPooling: [String: ONNXOperator] = [
        "Conv": { ctx in
            let x = try ctx.input(0)
            return ONNXNodeContext.one(try convolution(ctx, x: x, w: try ctx.input(1), bias: try ctx.optionalInput(2)?.reals, dtype: x.dtype))
        },
        "ConvInteger": { ctx in
            let xz = try ctx.optionalInput(2)?.reals.first ?? 0
            return ONNXNodeContext.one(try convolution(ctx, x: try ctx.input(0), w: try ctx.input(1), bias: nil, xZero: xz, wZero: try ctx.optionalInput(3)?.reals, dtype: .int32))
        },
        "ConvTranspose": { ctx in
            let x = try ctx.input(0), w = try ctx.input(1)
            let bias = try ctx.optionalInput(2)?.reals
            let spatial = Array(x.shape[2...])
            let n = spatial.count
            let kernel = ctx.ints("kernel_shape") ?? Array(w.shape[2...])
            let group = ctx.int("group", 1)
            let (batch, c) = (x.shape[0], x.shape[1])
            let m = w.shape[1] * group
            let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: n)
            let dilations = ctx.ints("dilations") ?? [Int](repeating: 1, count: n)
            let (pads, outShape) = convTransposeGeometry(ctx, spatial: spatial, kernel: kernel, strides: strides, dilations: dilations)
            let xv = x.reals, wv = w.reals
            let cPerGroup = c / group, mPerGroup = m / group
            let inSize = spatial.reduce(1, *), outSize = outShape.reduce(1, *), kSize = kernel.reduce(1, *)
            let outStrides = stridesOf(outShape)
            var out = [Double](repeating: 0, count: batch * m * outSize)
            var positions: [[Int]] = []
            forEachIndex(spatial) { positions.append($0) }
            var kernelOffsets: [[Int]] = []
            forEachIndex(kernel) { kernelOffsets.append($0) }
            for b in 0..<batch {
                for (ii, p) in positions.enumerated() {
                    for (ki, t) in kernelOffsets.enumerated() {
                        var flat = 0, inside = true
                        for d in 0..<n {
                            let o = p[d] * strides[d] - pads[d] + t[d] * dilations[d]
                            if o < 0 || o >= outShape[d] { inside = false; break }
                            flat += o * outStrides[d]
                        }
                        guard inside else { continue }
                        for ic in 0..<c {
                            let gi = ic / cPerGroup
                            let xValue = xv[(b * c + ic) * inSize + ii]
                            if xValue == 0 { continue }
                            for om in 0..<mPerGroup {
                                let oc = gi * mPerGroup + om
                                out[(b * m + oc) * outSize + flat] += xValue * wv[(ic * mPerGroup + om) * kSize + ki]
                            }
                        }
                    }
                }
            }
            if let bias { for i in 0..<out.count { out[i] += bias[(i / outSize) % m] } }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: [batch, m] + outShape, reals: out))
        },
        "MaxPool": { ctx in
            let x = try ctx.input(0)
            let r = try pool(ctx, { v, _ in v.reduce(-.infinity) { $1.isNaN ? $0 : Swift.max($0, $1) } }, withIndices: true)
            if case .int = x.storage, case .tensor(let t)? = r[0] { return [.tensor(ONNXTensor(dtype: x.dtype, shape: t.shape, ints: t.ints))] + r.dropFirst() }
            return r
        },
        "AveragePool": { try pool($0, { v, count in count == 0 ? 0 : v.reduce(0, +) / Double(count) }) },
        "LpPool": { ctx in
            let p = Double(ctx.int("p", 2))
            return try pool(ctx, { v, _ in pow(v.reduce(0) { $0 + pow(abs($1), p) }, 1 / p) })
        },
        "GlobalAveragePool": { try globalPool($0) { $0.reduce(0, +) / Double($0.count) } },
        "GlobalMaxPool": { try globalPool($0) { $0.reduce(-.infinity, Swift.max) } },
        "GlobalLpPool": { ctx in let p = Double(ctx.int("p", 2)); return try globalPool(ctx) { pow($0.reduce(0) { $0 + pow(abs($1), p) }, 1 / p) } },
    ]
}

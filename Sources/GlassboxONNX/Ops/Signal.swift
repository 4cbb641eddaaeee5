#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// DFT (forward, inverse, one-sided, real or complex input; a direct O(n²) transform) and
// NonMaxSuppression.

func dft(_ ctx: ONNXNodeContext) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let inverse = ctx.int("inverse", 0) != 0, onesided = ctx.int("onesided", 0) != 0
    let rawAxis = ctx.opset >= 20 ? Int(try ctx.optionalInput(2)?.ints.first ?? -2) : ctx.int("axis", 1)
    let axis = try normalizeAxis(rawAxis, x.rank, ctx)
    guard axis < x.rank - 1 else { throw ctx.fail("axis \(rawAxis) must not be the last (complex) axis") }
    let inLength = x.shape[axis]
    var n = Int(try ctx.optionalInput(1)?.ints.first ?? Int64(inverse && onesided ? 2 * (inLength - 1) : inLength))
    if n <= 0 { n = inLength }
    let complexIn = x.shape[x.rank - 1] == 2
    let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)..<(x.rank - 1)].reduce(1, *)
    let c = x.shape[x.rank - 1]
    let v = x.reals
    let outLength = inverse && onesided ? n : (onesided ? n / 2 + 1 : n)
    let outC = inverse && onesided ? 1 : 2
    var out = [Double](repeating: 0, count: outer * outLength * inner * outC)
    for o in 0..<outer {
        for i in 0..<inner {
            func value(_ j: Int) -> (Double, Double) {
                guard j < inLength else { return (0, 0) }
                let base = ((o * inLength + j) * inner + i) * c
                return (v[base], complexIn ? v[base + 1] : 0)
            }
            for k in 0..<outLength {
                var re = 0.0, im = 0.0
                if inverse && onesided {
                    for j in 0..<n {
                        let (a, b): (Double, Double)
                        if j <= n / 2 { (a, b) = value(j) } else { let (p, q) = value(n - j); (a, b) = (p, -q) }
                        let angle = 2 * Double.pi * Double(j * k % n) / Double(n)
                        re += a * cos(angle) - b * sin(angle)
                    }
                    out[((o * outLength + k) * inner + i)] = re / Double(n)
                    continue
                }
                let sign: Double = inverse ? 1 : -1
                for j in 0..<n {
                    let (a, b) = value(j)
                    let angle = sign * 2 * Double.pi * Double(j * k % n) / Double(n)
                    re += a * cos(angle) - b * sin(angle)
                    im += a * sin(angle) + b * cos(angle)
                }
                if inverse { re /= Double(n); im /= Double(n) }
                let base = ((o * outLength + k) * inner + i) * 2
                out[base] = re
                out[base + 1] = im
            }
        }
    }
    var shape = x.shape
    shape[axis] = outLength
    shape[x.rank - 1] = outC
    return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, reals: out))
}

func boxesOverlap(_ a: [Double], _ b: [Double], centerPoint: Bool, threshold: Double) -> Bool {
    func corners(_ box: [Double]) -> (Double, Double, Double, Double) {
        if centerPoint { return (box[0] - box[2] / 2, box[1] - box[3] / 2, box[0] + box[2] / 2, box[1] + box[3] / 2) }
        return (Swift.min(box[1], box[3]), Swift.min(box[0], box[2]), Swift.max(box[1], box[3]), Swift.max(box[0], box[2]))
    }
    let (ax0, ay0, ax1, ay1) = corners(a), (bx0, by0, bx1, by1) = corners(b)
    let ix = Swift.min(ax1, bx1) - Swift.max(ax0, bx0), iy = Swift.min(ay1, by1) - Swift.max(ay0, by0)
    guard ix > 0, iy > 0 else { return false }
    let inter = ix * iy
    let areaA = (ax1 - ax0) * (ay1 - ay0), areaB = (bx1 - bx0) * (by1 - by0)
    let union = areaA + areaB - inter
    guard areaA > 0, areaB > 0, union > 0 else { return false }
    return inter / union > threshold
}

extension ONNXOperators {
    nonisolated(unsafe) static let signal: [String: ONNXOperator] = [
        "DFT": dft,
        "NonMaxSuppression": { ctx in
            let boxes = try ctx.input(0), scores = try ctx.input(1)
            let maxOut = Int(try ctx.optionalInput(2)?.ints.first ?? 0)
            let iou = try ctx.optionalInput(3)?.reals.first ?? 0
            let scoreThreshold = try ctx.optionalInput(4)?.reals.first
            let center = ctx.int("center_point_box", 0) != 0
            let (batches, classes, count) = (scores.shape[0], scores.shape[1], scores.shape[2])
            let bv = boxes.reals, sv = scores.reals
            var selected: [Int64] = []
            for b in 0..<batches {
                for c in 0..<classes {
                    let s = (0..<count).map { sv[(b * classes + c) * count + $0] }
                    var candidates = (0..<count).filter { scoreThreshold == nil || s[$0] > scoreThreshold! }
                    candidates.sort { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }
                    var kept: [Int] = []
                    for i in candidates where kept.count < maxOut {
                        let box = Array(bv[((b * count + i) * 4)..<((b * count + i) * 4 + 4)])
                        if kept.allSatisfy({ !boxesOverlap(box, Array(bv[((b * count + $0) * 4)..<((b * count + $0) * 4 + 4)]), centerPoint: center, threshold: iou) }) {
                            kept.append(i)
                            selected += [Int64(b), Int64(c), Int64(i)]
                        }
                    }
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: .int64, shape: [selected.count / 3, 3], ints: selected))
        },
    ]
}

extension ONNXOperators {
    nonisolated(unsafe) static let signalMore: [String: ONNXOperator] = [
        "STFT": { ctx in
            let x = try ctx.input(0)
            let step = Int(try ctx.input(1).ints[0])
            let window = try ctx.optionalInput(2)?.reals
            let frameLength = try ctx.optionalInput(3).map { Int($0.ints[0]) } ?? window?.count ?? 0
            let onesided = ctx.int("onesided", 1) != 0
            let (batch, length, c) = (x.shape[0], x.shape[1], x.shape[2])
            guard frameLength > 0, step > 0, frameLength <= length else { throw ctx.fail("frame_length \(frameLength) and frame_step \(step) for a signal of \(length)") }
            let frames = (length - frameLength) / step + 1
            let bins = onesided ? frameLength / 2 + 1 : frameLength
            let v = x.reals
            var out = [Double](repeating: 0, count: batch * frames * bins * 2)
            for b in 0..<batch {
                for f in 0..<frames {
                    for k in 0..<bins {
                        var re = 0.0, im = 0.0
                        for j in 0..<frameLength {
                            let w = window?[j] ?? 1
                            let base = (b * length + f * step + j) * c
                            let a = v[base] * w, bb = c == 2 ? v[base + 1] * w : 0
                            let angle = -2 * Double.pi * Double(j * k % frameLength) / Double(frameLength)
                            re += a * cos(angle) - bb * sin(angle)
                            im += a * sin(angle) + bb * cos(angle)
                        }
                        out[((b * frames + f) * bins + k) * 2] = re
                        out[((b * frames + f) * bins + k) * 2 + 1] = im
                    }
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: [batch, frames, bins, 2], reals: out))
        },
        "QLinearConv": { ctx in
            let x = try ctx.input(0), xs = try ctx.input(1).reals[0], xz = try ctx.input(2).reals[0]
            let w = try ctx.input(3), ws = try ctx.input(4).reals, wz = try ctx.input(5).reals
            let ys = try ctx.input(6).reals[0], yz = try ctx.input(7)
            let bias = try ctx.optionalInput(8)?.reals
            let acc = try convolution(ctx, x: x, w: w, bias: bias, xZero: xz, wZero: wz, dtype: .double)
            let m = w.shape[0], inner = acc.shape[2...].reduce(1, *)
            let (lo, hi) = integerRange(yz.dtype) ?? (0, 255)
            let z = yz.reals[0]
            let out = acc.reals.enumerated().map { i, a -> Double in
                let oc = (i / inner) % m
                let scale = xs * (ws.count == 1 ? ws[0] : ws[oc]) / ys
                return Swift.min(Swift.max((a * scale).rounded(.toNearestOrEven) + z, lo), hi)
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: yz.dtype, shape: acc.shape, reals: out))
        },
    ]
}

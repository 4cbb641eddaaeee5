#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// ai.onnx.preview.training optimizers (Adagrad, Momentum, Adam) and the ai.onnx.ml operators
// the suite uses (Binarizer, ArrayFeatureExtractor, LabelEncoder).

func optimizerGroups(_ ctx: ONNXNodeContext, _ perParameter: Int) throws -> (r: Double, t: Double, groups: [[ONNXTensor]]) {
    let r = try ctx.input(0).reals[0], t = try ctx.input(1).reals[0]
    let n = (ctx.inputCount - 2) / perParameter
    let groups = try (0..<n).map { i in try (0..<perParameter).map { k in try ctx.input(2 + k * n + i) } }
    return (r, t, groups)
}

extension ONNXOperators {
    nonisolated(unsafe) static let training: [String: ONNXOperator] = [
        "ai.onnx.preview.training:Adagrad": { ctx in
            let (r0, t, groups) = try optimizerGroups(ctx, 3)
            let decay = ctx.float("decay_factor", 0), eps = ctx.float("epsilon", 1e-6), norm = ctx.float("norm_coefficient", 0)
            let r = r0 / (1 + t * decay)
            var xs: [ONNXValue?] = [], hs: [ONNXValue?] = []
            for g in groups {
                let x = g[0].reals, grad = g[1].reals, h = g[2].reals
                var nx = x, nh = h
                for i in 0..<x.count {
                    let gr = norm * x[i] + grad[i]
                    nh[i] = h[i] + gr * gr
                    nx[i] = x[i] - r * gr / (nh[i].squareRoot() + eps)
                }
                xs.append(.tensor(ONNXTensor(dtype: g[0].dtype, shape: g[0].shape, reals: nx)))
                hs.append(.tensor(ONNXTensor(dtype: g[2].dtype, shape: g[2].shape, reals: nh)))
            }
            return xs + hs
        },
        "ai.onnx.preview.training:Momentum": { ctx in
            let (r, t, groups) = try optimizerGroups(ctx, 3)
            let alpha = ctx.float("alpha", 0), beta = ctx.float("beta", 0), norm = ctx.float("norm_coefficient", 0)
            let nesterov = ctx.string("mode", "standard") == "nesterov"
            let b = t > 0 ? beta : 1
            var xs: [ONNXValue?] = [], vs: [ONNXValue?] = []
            for g in groups {
                let x = g[0].reals, grad = g[1].reals, v = g[2].reals
                var nx = x, nv = v
                for i in 0..<x.count {
                    let gr = norm * x[i] + grad[i]
                    nv[i] = alpha * v[i] + b * gr
                    nx[i] = nesterov ? x[i] - r * (gr + alpha * nv[i]) : x[i] - r * nv[i]
                }
                xs.append(.tensor(ONNXTensor(dtype: g[0].dtype, shape: g[0].shape, reals: nx)))
                vs.append(.tensor(ONNXTensor(dtype: g[2].dtype, shape: g[2].shape, reals: nv)))
            }
            return xs + vs
        },
        "ai.onnx.preview.training:Adam": { ctx in
            let (r, t, groups) = try optimizerGroups(ctx, 4)
            let alpha = ctx.float("alpha", 0.9), beta = ctx.float("beta", 0.999), eps = ctx.float("epsilon", 1e-6)
            let norm = ctx.float("norm_coefficient", 0), post = ctx.float("norm_coefficient_post", 0)
            let ra = t > 0 ? r * (1 - pow(beta, t)).squareRoot() / (1 - pow(alpha, t)) : r
            var xs: [ONNXValue?] = [], vs: [ONNXValue?] = [], hs: [ONNXValue?] = []
            for g in groups {
                let x = g[0].reals, grad = g[1].reals, v = g[2].reals, h = g[3].reals
                var nx = x, nv = v, nh = h
                for i in 0..<x.count {
                    let gr = norm * x[i] + grad[i]
                    nv[i] = alpha * v[i] + (1 - alpha) * gr
                    nh[i] = beta * h[i] + (1 - beta) * gr * gr
                    nx[i] = (1 - post) * (x[i] - ra * nv[i] / (nh[i].squareRoot() + eps))
                }
                xs.append(.tensor(ONNXTensor(dtype: g[0].dtype, shape: g[0].shape, reals: nx)))
                vs.append(.tensor(ONNXTensor(dtype: g[2].dtype, shape: g[2].shape, reals: nv)))
                hs.append(.tensor(ONNXTensor(dtype: g[3].dtype, shape: g[3].shape, reals: nh)))
            }
            return xs + vs + hs
        },
        "ai.onnx.ml:Binarizer": { ctx in
            let t = ctx.float("threshold", 0)
            return try unaryOp(ctx, { $0 > t ? 1 : 0 }, int: { Double($0) > t ? 1 : 0 })
        },
        "ai.onnx.ml:ArrayFeatureExtractor": { ctx in
            let x = try ctx.input(0), y = try ctx.input(1).ints.map { Int($0) }
            let last = x.shape.last ?? 1
            let outer = x.count / max(last, 1)
            var flat: [Int] = []
            for o in 0..<outer { for j in y { flat.append(o * last + j) } }
            return ONNXNodeContext.one(x.gathered(flat, shape: Array(x.shape.dropLast()) + [y.count]))
        },
        "ai.onnx.ml:LabelEncoder": { ctx in
            let x = try ctx.input(0)
            func attributeTensor(_ prefix: String) throws -> ONNXTensor? {
                if let t = try ctx.tensorAttribute(prefix + "_tensor") { return t }
                if let s = ctx.strings(prefix + "_strings") { return ONNXTensor(shape: [s.count], strings: s) }
                if let i = ctx.attribute(prefix + "_int64s") { return ONNXTensor(dtype: .int64, shape: [i.ints.count], ints: i.ints) }
                if let f = ctx.floats(prefix + "_floats") { return ONNXTensor(dtype: .float, shape: [f.count], reals: f) }
                return nil
            }
            guard let keys = try attributeTensor("keys"), let values = try attributeTensor("values") else { throw ctx.fail("keys and values are needed") }
            var defaultValue: ONNXTensor
            if let t = try ctx.tensorAttribute("default_tensor") { defaultValue = t }
            else if values.dtype == .string { defaultValue = ONNXTensor(shape: [1], strings: [ctx.string("default_string", "_Unused")]) }
            else if values.dtype == .int64 { defaultValue = ONNXTensor(dtype: .int64, shape: [1], ints: [Int64(ctx.int("default_int64", -1))]) }
            else { defaultValue = ONNXTensor(dtype: values.dtype, shape: [1], reals: [ctx.float("default_float", -0.0)]) }
            let ks = keys.strings, xs = x.strings
            var table: [String: Int] = [:]
            for (i, k) in ks.enumerated() where table[k] == nil { table[k] = i }
            let combined = try concatenate([values.reshaped([values.count]), defaultValue.reshaped([1])], axis: 0, ctx)
            let idx = xs.map { table[$0] ?? values.count }
            return ONNXNodeContext.one(combined.gathered(idx, shape: x.shape))
        },
    ]
}

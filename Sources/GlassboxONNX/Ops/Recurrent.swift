#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// RNN, GRU and LSTM: forward, reverse and bidirectional, sequence_lens, initial states,
// peepholes, clip, layout 0/1, linear_before_reset, input_forget, and the named activations
// with their alpha/beta.

func rnnActivation(_ name: String, alpha: Double?, beta: Double?) -> (Double) -> Double {
    switch name.lowercased() {
    case "relu": return { Swift.max($0, 0) }
    case "tanh": return tanh
    case "sigmoid": return sigmoid
    case "affine": let a = alpha ?? 1, b = beta ?? 0; return { a * $0 + b }
    case "leakyrelu": let a = alpha ?? 0.01; return { $0 >= 0 ? $0 : a * $0 }
    case "thresholdedrelu": let a = alpha ?? 1; return { $0 > a ? $0 : 0 }
    case "scaledtanh": let a = alpha ?? 1, b = beta ?? 1; return { a * tanh(b * $0) }
    case "hardsigmoid": let a = alpha ?? 0.2, b = beta ?? 0.5; return { Swift.max(0, Swift.min(1, a * $0 + b)) }
    case "elu": let a = alpha ?? 1; return { $0 >= 0 ? $0 : a * (exp($0) - 1) }
    case "softsign": return { $0 / (1 + abs($0)) }
    case "softplus": return { log1p(exp($0)) }
    default: return { $0 }
    }
}

func recurrent(_ ctx: ONNXNodeContext, kind: String) throws -> [ONNXValue?] {
    var x = try ctx.input(0)
    let w = try ctx.input(1), r = try ctx.input(2)
    let b = try ctx.optionalInput(3), lens = try ctx.optionalInput(4)?.ints
    var h0 = try ctx.optionalInput(5), c0 = kind == "LSTM" ? try ctx.optionalInput(6) : nil
    let peep = kind == "LSTM" ? try ctx.optionalInput(7)?.reals : nil
    let layout = ctx.int("layout", 0)
    if layout == 1 {
        x = x.gathered(transposeIndices(x.shape, [1, 0, 2]).indices, shape: [x.shape[1], x.shape[0], x.shape[2]])
        if let h = h0 { h0 = h.gathered(transposeIndices(h.shape, [1, 0, 2]).indices, shape: [h.shape[1], h.shape[0], h.shape[2]]) }
        if let c = c0 { c0 = c.gathered(transposeIndices(c.shape, [1, 0, 2]).indices, shape: [c.shape[1], c.shape[0], c.shape[2]]) }
    }
    let (steps, batch, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
    let dirs = w.shape[0]
    let gates = kind == "LSTM" ? 4 : kind == "GRU" ? 3 : 1
    let hidden = ctx.int("hidden_size") ?? w.shape[1] / gates
    let direction = ctx.string("direction", "forward")
    let clip = ctx.attribute("clip").map { Double($0.float) }
    let defaults = kind == "LSTM" ? ["Sigmoid", "Tanh", "Tanh"] : kind == "GRU" ? ["Sigmoid", "Tanh"] : ["Tanh"]
    let names = ctx.strings("activations") ?? (defaults + (dirs == 2 ? defaults : []))
    let alphas = ctx.floats("activation_alpha"), betas = ctx.floats("activation_beta")
    let acts = names.enumerated().map { k, name in
        rnnActivation(name, alpha: alphas.flatMap { k < $0.count ? $0[k] : nil }, beta: betas.flatMap { k < $0.count ? $0[k] : nil })
    }
    let perDir = defaults.count
    let linearBeforeReset = ctx.int("linear_before_reset", 0) != 0
    let inputForget = ctx.int("input_forget", 0) != 0
    let xv = x.reals, wv = w.reals, rv = r.reals
    let bv = b?.reals ?? [Double](repeating: 0, count: dirs * 2 * gates * hidden)
    var y = [Double](repeating: 0, count: steps * dirs * batch * hidden)
    var yh = [Double](repeating: 0, count: dirs * batch * hidden), yc = yh
    let cl: (Double) -> Double = { v in clip.map { Swift.min(Swift.max(v, -$0), $0) } ?? v }
    for d in 0..<dirs {
        let reverse = direction == "reverse" || (direction == "bidirectional" && d == 1)
        let f = acts[d * perDir], g = acts.count > d * perDir + 1 ? acts[d * perDir + 1] : f, hAct = acts.count > d * perDir + 2 ? acts[d * perDir + 2] : g
        for bi in 0..<batch {
            var h = (0..<hidden).map { h0?.reals[(d * batch + bi) * hidden + $0] ?? 0 }
            var c = (0..<hidden).map { c0?.reals[(d * batch + bi) * hidden + $0] ?? 0 }
            let length = lens.map { Int($0[bi]) } ?? steps
            for s in 0..<length {
                let t = reverse ? length - 1 - s : s
                // xw[gate*hidden + j] = x_t · W_gate_j + Wb; hr = h · R + Rb
                var xw = [Double](repeating: 0, count: gates * hidden), hr = xw
                for k in 0..<(gates * hidden) {
                    var a = bv[d * 2 * gates * hidden + k]
                    for i in 0..<inputSize { a += xv[(t * batch + bi) * inputSize + i] * wv[(d * gates * hidden + k) * inputSize + i] }
                    xw[k] = a
                    var q = bv[d * 2 * gates * hidden + gates * hidden + k]
                    for i in 0..<hidden { q += h[i] * rv[(d * gates * hidden + k) * hidden + i] }
                    hr[k] = q
                }
                var newH = h
                switch kind {
                case "RNN":
                    for j in 0..<hidden { newH[j] = f(cl(xw[j] + hr[j])) }
                case "GRU":
                    var rh = [Double](repeating: 0, count: hidden)
                    let r = (0..<hidden).map { f(cl(xw[hidden + $0] + hr[hidden + $0])) }
                    if !linearBeforeReset {
                        for k in 0..<hidden {
                            var q = bv[d * 2 * gates * hidden + gates * hidden + 2 * hidden + k]
                            for i in 0..<hidden { q += r[i] * h[i] * rv[(d * gates * hidden + 2 * hidden + k) * hidden + i] }
                            rh[k] = q
                        }
                    }
                    for j in 0..<hidden {
                        let z = f(cl(xw[j] + hr[j]))
                        let candidate = g(cl(xw[2 * hidden + j] + (linearBeforeReset ? r[j] * hr[2 * hidden + j] : rh[j])))
                        newH[j] = (1 - z) * candidate + z * h[j]
                    }
                default:
                    var newC = c
                    for j in 0..<hidden {
                        let pi = peep?[d * 3 * hidden + j] ?? 0, po = peep?[d * 3 * hidden + hidden + j] ?? 0, pf = peep?[d * 3 * hidden + 2 * hidden + j] ?? 0
                        let i = f(cl(xw[j] + hr[j] + pi * c[j]))
                        var fg = f(cl(xw[2 * hidden + j] + hr[2 * hidden + j] + pf * c[j]))
                        if inputForget { fg = 1 - i }
                        let cc = g(cl(xw[3 * hidden + j] + hr[3 * hidden + j]))
                        newC[j] = fg * c[j] + i * cc
                        let o = f(cl(xw[hidden + j] + hr[hidden + j] + po * newC[j]))
                        newH[j] = o * hAct(newC[j])
                    }
                    c = newC
                }
                h = newH
                for j in 0..<hidden { y[((t * dirs + d) * batch + bi) * hidden + j] = h[j] }
            }
            for j in 0..<hidden {
                yh[(d * batch + bi) * hidden + j] = h[j]
                yc[(d * batch + bi) * hidden + j] = c[j]
            }
        }
    }
    var yT = ONNXTensor(dtype: x.dtype, shape: [steps, dirs, batch, hidden], reals: y)
    var yhT = ONNXTensor(dtype: x.dtype, shape: [dirs, batch, hidden], reals: yh)
    var ycT = ONNXTensor(dtype: x.dtype, shape: [dirs, batch, hidden], reals: yc)
    if layout == 1 {
        yT = yT.gathered(transposeIndices(yT.shape, [2, 0, 1, 3]).indices, shape: [batch, steps, dirs, hidden])
        yhT = yhT.gathered(transposeIndices(yhT.shape, [1, 0, 2]).indices, shape: [batch, dirs, hidden])
        ycT = ycT.gathered(transposeIndices(ycT.shape, [1, 0, 2]).indices, shape: [batch, dirs, hidden])
    }
    return [.tensor(yT), .tensor(yhT)] + (kind == "LSTM" ? [.tensor(ycT)] : [])
}

extension ONNXOperators {
    nonisolated(unsafe) static let recurrentOps: [String: ONNXOperator] = [
        "RNN": { try recurrent($0, kind: "RNN") },
        "GRU": { try recurrent($0, kind: "GRU") },
        "LSTM": { try recurrent($0, kind: "LSTM") },
    ]
}

import Glassbox
import GlassboxIO

// Gradient rules of LSTM and GRU on Glassbox's `lstmLayer`/`gruLayer`, one call per direction.
// ONNX stacks the gate blocks as i, o, f, c (LSTM) and z, r, h (GRU); Glassbox takes PyTorch's
// i, f, g, o and r, z, n, so each direction's W, R and B are cut into gate blocks and restacked
// with differentiable ops (the gradient flows back to the ONNX-layout tensors). Default
// activations only; no peepholes, clip or input_forget; GRU needs linear_before_reset = 1 (what
// PyTorch computes).

/// The gate blocks of `t` (rows of `gates · hidden`) restacked in `order` (ONNX block indices).
private func restacked<Scalar>(_ t: Tensor<Scalar>, hidden: Int, order: [Int]) -> Tensor<Scalar> {
    let blocks = t.split(sizes: [Int](repeating: hidden, count: order.count), dim: 0)
    return Tensor.concat(order.map { blocks[$0] }, dim: 0)
}

private func recurrentRule<Scalar>(_ c: GradientNodeContext<Scalar>, lstm: Bool) throws -> [Tensor<Scalar>?] {
    let op = lstm ? "LSTM" : "GRU"
    if c.plain.attribute("activations") != nil || c.plain.attribute("clip") != nil || c.plain.int("input_forget", 0) != 0 {
        throw c.fail("no gradient for \(op) with custom activations, clip or input_forget")
    }
    if lstm && c.has(7) { throw c.fail("no gradient for LSTM with peepholes") }
    if !lstm && c.plain.int("linear_before_reset", 0) == 0 { throw c.fail("no gradient for GRU with linear_before_reset = 0") }
    let batchFirst = c.plain.int("layout", 0) != 0
    var x = try c.tensor(0)
    if batchFirst { x = x.transposed(0, 1) }
    let w = try c.tensor(1), r = try c.tensor(2)
    let gates = lstm ? 4 : 3
    let hidden = r.shape[2]
    let order = lstm ? [0, 2, 3, 1] : [1, 0, 2]
    let direction = c.plain.string("direction", "forward")
    let directions = w.shape[0]
    let batch = x.shape[1]
    let lengths = try c.plain.intsInput(4)
    let b = try c.optionalTensor(3), h0 = try c.optionalTensor(5), c0 = lstm ? try c.optionalTensor(6) : nil
    var ys: [Tensor<Scalar>] = [], hs: [Tensor<Scalar>] = [], cs: [Tensor<Scalar>] = []
    for d in 0..<directions {
        let weightIH = restacked(w[d], hidden: hidden, order: order), weightHH = restacked(r[d], hidden: hidden, order: order)
        let biasIH = b.map { restacked($0[d].sliced(dim: 0, 0..<(gates * hidden)), hidden: hidden, order: order) }
        let biasHH = b.map { restacked($0[d].sliced(dim: 0, (gates * hidden)..<(2 * gates * hidden)), hidden: hidden, order: order) }
        let h = h0.map { $0[d] } ?? Tensor.zeros([batch, hidden])
        let reverse = direction == "reverse" || d == 1
        if lstm {
            let cell = c0.map { $0[d] } ?? Tensor.zeros([batch, hidden])
            let out = lstmLayer(
                x, h0: h, c0: cell, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, lengths: lengths,
                reverse: reverse)
            ys.append(out.output)
            hs.append(out.hN)
            cs.append(out.cN)
        } else {
            let out = gruLayer(x, h0: h, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, lengths: lengths, reverse: reverse)
            ys.append(out.output)
            hs.append(out.hN)
        }
    }
    var y = Tensor.stack(ys, dim: 1)  // [T, D, B, H]
    var yh = Tensor.stack(hs, dim: 0)  // [D, B, H]
    var yc = cs.isEmpty ? nil : Tensor.stack(cs, dim: 0)
    if batchFirst {
        y = y.permuted([2, 0, 1, 3])
        yh = yh.transposed(0, 1)
        yc = yc?.transposed(0, 1)
    }
    return lstm ? [y, yh, yc] : [y, yh]
}

/// The rule of a recurrent op.
func recurrentGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    switch op {
    case "LSTM": return { try recurrentRule($0, lstm: true) }
    case "GRU": return { try recurrentRule($0, lstm: false) }
    default: return nil
    }
}

import GlassboxKernels

/// The nonlinearity of an Elman RNN (``RNN``, ``RNNCell``, ``rnnLayer(_:h0:weightIH:weightHH:biasIH:biasHH:nonlinearity:lengths:reverse:)``),
/// PyTorch's `nonlinearity` argument.
public enum RNNNonlinearity: String, Sendable {
    /// `tanh` (PyTorch's default).
    case tanh
    /// `relu`.
    case relu

    /// The kernel's recurrence for this nonlinearity.
    var cell: RecurrentCell { self == .tanh ? .rnnTanh : .rnnRelu }
}

/// One direction of one Elman RNN layer over a time-major sequence:
/// `h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)`, like one layer of `torch.nn.RNN`.
///
/// - Parameters:
///   - input: `[T, B, I]`; `h0`: `[B, H]`.
///   - weightIH: `[H, I]`; `weightHH`: `[H, H]`; `biasIH`, `biasHH`: `[H]` or nil.
///   - lengths: the valid length of each batch row (`B` values in `1...T`), like a packed
///     sequence: step `t` of row `b` runs only when `t < lengths[b]`; the state is kept (so
///     `hN` is the state after the last valid step) and the output is zero elsewhere.
///   - reverse: run from `t = T − 1` down to 0 (the backward direction of a bidirectional
///     layer, which with `lengths` starts at each row's last valid step).
/// - Returns: the outputs `[T, B, H]` and the final state `[B, H]`.
///
/// A single differentiable primitive (``DifferentiableOp/rnnLayer``) on the fused kernels of
/// ``Recurrent``; see Docs/Recurrent.md for the equations and how higher-order gradients work.
public func rnnLayer<Scalar>(
    _ input: Tensor<Scalar>, h0: Tensor<Scalar>, weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>,
    biasIH: Tensor<Scalar>? = nil, biasHH: Tensor<Scalar>? = nil, nonlinearity: RNNNonlinearity = .tanh,
    lengths: [Int]? = nil, reverse: Bool = false
) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>) {
    let r = recurrentLayer(
        nonlinearity.cell, input, h0: h0, c0: nil, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
        lengths: lengths, reverse: reverse)
    return (r.output, r.hN)
}

/// One direction of one LSTM layer over a time-major sequence, like one layer of
/// `torch.nn.LSTM` (gates i, f, g, o):
/// `i, f, o = σ(·)`, `g = tanh(·)` of `x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh` split in four,
/// `c_t = f ⊙ c_{t−1} + i ⊙ g`, `h_t = o ⊙ tanh(c_t)`.
///
/// - Parameters:
///   - input: `[T, B, I]`; `h0`, `c0`: `[B, H]`.
///   - weightIH: `[4H, I]`; `weightHH`: `[4H, H]`; `biasIH`, `biasHH`: `[4H]` or nil.
///   - lengths, reverse: as for ``rnnLayer(_:h0:weightIH:weightHH:biasIH:biasHH:nonlinearity:lengths:reverse:)``.
/// - Returns: the outputs `[T, B, H]`, the final hidden and cell states `[B, H]`.
public func lstmLayer<Scalar>(
    _ input: Tensor<Scalar>, h0: Tensor<Scalar>, c0: Tensor<Scalar>, weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>,
    biasIH: Tensor<Scalar>? = nil, biasHH: Tensor<Scalar>? = nil, lengths: [Int]? = nil, reverse: Bool = false
) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>) {
    let r = recurrentLayer(
        .lstm, input, h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
        lengths: lengths, reverse: reverse)
    return (r.output, r.hN, r.cN!)
}

/// One direction of one GRU layer over a time-major sequence, like one layer of
/// `torch.nn.GRU` (gates r, z, n): `r, z = σ(·)` of `x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh`,
/// `n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn))`, `h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}`.
///
/// - Parameters:
///   - input: `[T, B, I]`; `h0`: `[B, H]`.
///   - weightIH: `[3H, I]`; `weightHH`: `[3H, H]`; `biasIH`, `biasHH`: `[3H]` or nil.
///   - lengths, reverse: as for ``rnnLayer(_:h0:weightIH:weightHH:biasIH:biasHH:nonlinearity:lengths:reverse:)``.
/// - Returns: the outputs `[T, B, H]` and the final state `[B, H]`.
public func gruLayer<Scalar>(
    _ input: Tensor<Scalar>, h0: Tensor<Scalar>, weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>,
    biasIH: Tensor<Scalar>? = nil, biasHH: Tensor<Scalar>? = nil, lengths: [Int]? = nil, reverse: Bool = false
) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>) {
    let r = recurrentLayer(
        .gru, input, h0: h0, c0: nil, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
        lengths: lengths, reverse: reverse)
    return (r.output, r.hN)
}

/// Checks the arguments and runs the primitive: the outputs `[T, B, H]`, `h_n` and `c_n` (LSTM).
func recurrentLayer<Scalar>(
    _ cell: RecurrentCell, _ input: Tensor<Scalar>, h0: Tensor<Scalar>, c0: Tensor<Scalar>?, weightIH: Tensor<Scalar>,
    weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?, lengths: [Int]?, reverse: Bool
) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>?) {
    let op = DifferentiableOp.recurrent(cell).rawValue
    precondition(input.rank == 3, "\(op): input must be [T, B, I], got \(input.shape)")
    let (T, B, I) = (input.shape[0], input.shape[1], input.shape[2])
    precondition(weightHH.rank == 2, "\(op): weightHH must be [\(cell.gateCount)·H, H], got \(weightHH.shape)")
    let H = weightHH.shape[1]
    let GH = cell.gateCount * H
    precondition(
        weightHH.shape == [GH, H] && weightIH.shape == [GH, I],
        "\(op): weightIH \(weightIH.shape) and weightHH \(weightHH.shape) must be [\(GH), \(I)] and [\(GH), \(H)] for input \(input.shape)")
    for (name, bias) in [("biasIH", biasIH), ("biasHH", biasHH)] {
        if let bias { precondition(bias.shape == [GH], "\(op): \(name) shape \(bias.shape), expected [\(GH)]") }
    }
    precondition(h0.shape == [B, H], "\(op): h0 shape \(h0.shape), expected [\(B), \(H)] for input \(input.shape)")
    precondition((c0 != nil) == cell.hasCellState, "\(op): c0 is \(cell.hasCellState ? "required" : "not used")")
    if let c0 { precondition(c0.shape == [B, H], "\(op): c0 shape \(c0.shape), expected [\(B), \(H)]") }
    if let lengths {
        precondition(
            lengths.count == B && lengths.allSatisfy { (1...Swift.max(T, 1)).contains($0) },
            "\(op): lengths \(lengths) must hold \(B) values in 1...\(T) for input \(input.shape)")
    }
    let geometry = RecurrentGeometry(cell: cell, steps: T, batch: B, inputSize: I, hiddenSize: H, reverse: reverse)
    let outputs = Tensor.recurrent(
        geometry, RecurrentInputs(x: input, h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH),
        lengths: lengths)
    return (outputs[0], outputs[1], cell.hasCellState ? outputs[2] : nil)
}

extension DifferentiableOp {
    /// The primitive recorded for a layer with this recurrence.
    static func recurrent(_ cell: RecurrentCell) -> DifferentiableOp {
        switch cell {
        case .rnnTanh, .rnnRelu: .rnnLayer
        case .lstm: .lstmLayer
        case .gru: .gruLayer
        }
    }
}

/// The tensor arguments of the recurrent primitive.
struct RecurrentInputs<Scalar: TensorScalar> {
    var x: Tensor<Scalar>, h0: Tensor<Scalar>, c0: Tensor<Scalar>?
    var weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?

    /// In the primitive's input order (absent optionals left out).
    var list: [Tensor<Scalar>] {
        [x, h0] + (c0.map { [$0] } ?? []) + [weightIH, weightHH] + (biasIH.map { [$0] } ?? []) + (biasHH.map { [$0] } ?? [])
    }

    /// The same arguments taken from `tensors`, a list in the order of `list` (with the
    /// optionals that `self` has).
    func replaced(by tensors: [Tensor<Scalar>]) -> RecurrentInputs {
        var rest = tensors[...]
        func next() -> Tensor<Scalar> { rest.removeFirst() }
        let x = next(), h0 = next(), c0 = self.c0 != nil ? next() : nil, weightIH = next(), weightHH = next()
        let biasIH = self.biasIH != nil ? next() : nil, biasHH = self.biasHH != nil ? next() : nil
        return RecurrentInputs(x: x, h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }
}

extension Tensor {
    /// The primitive: one node with the outputs `[T, B, H]`, `h_n` `[B, H]` (and `c_n` for an
    /// LSTM) as its outputs.
    ///
    /// First-order gradients run the fused backward kernel; when the gradient is itself being
    /// recorded (`createGraph`), ``recordedFused(_:_:outputs:kernelBackward:composite:)``
    /// differentiates ``unrolledRecurrent(_:_:lengths:)``, the same function written with
    /// differentiable primitives.
    fileprivate static func recurrent(_ g: RecurrentGeometry, _ p: RecurrentInputs<Scalar>, lengths: [Int]?) -> [Tensor] {
        // Three separate outputs, written in place by the kernel (no slicing op after it, which
        // would copy them and, under the op profiler, take the kernel's time as its own).
        let output = empty([g.steps, g.batch, g.hiddenSize]), hN = empty([g.batch, g.hiddenSize])
        let cN: Tensor? = g.cell.hasCellState ? empty([g.batch, g.hiddenSize]) : nil
        let saved = TensorStorage<Scalar>(count: g.savedCount)
        Recurrent.forward(
            g, input: p.x.storage.pointer, h0: p.h0.storage.pointer, c0: p.c0?.storage.pointer,
            weightIH: p.weightIH.storage.pointer, weightHH: p.weightHH.storage.pointer, biasIH: p.biasIH?.storage.pointer,
            biasHH: p.biasHH?.storage.pointer, lengths: lengths, output: output.storage.pointer, hN: hN.storage.pointer,
            cN: cN?.storage.pointer, saved: saved.pointer)
        return recordedFused(.recurrent(g.cell), p.list, outputs: [output, hN] + (cN.map { [$0] } ?? [])) { gradOutputs, _ in
            func grad(_ t: Tensor?) -> Tensor? { t?.requiresGrad == true ? empty(t!.shape) : nil }
            let dx = grad(p.x), dh0 = grad(p.h0), dc0 = grad(p.c0)
            let dwih = grad(p.weightIH), dwhh = grad(p.weightHH), dbih = grad(p.biasIH), dbhh = grad(p.biasHH)
            Recurrent.backward(
                g, input: p.x.storage.pointer, weightIH: p.weightIH.storage.pointer, weightHH: p.weightHH.storage.pointer,
                biasHH: p.biasHH?.storage.pointer, lengths: lengths, saved: saved.pointer,
                gradOutput: gradOutputs[0].storage.pointer, gradHN: gradOutputs[1].storage.pointer,
                gradCN: g.cell.hasCellState ? UnsafePointer(gradOutputs[2].storage.pointer) : nil,
                gradInput: dx?.storage.pointer, gradH0: dh0?.storage.pointer, gradC0: dc0?.storage.pointer,
                gradWeightIH: dwih?.storage.pointer, gradWeightHH: dwhh?.storage.pointer,
                gradBiasIH: dbih?.storage.pointer, gradBiasHH: dbhh?.storage.pointer)
            return [dx, dh0] + (p.c0 != nil ? [dc0] : []) + [dwih, dwhh] + (p.biasIH != nil ? [dbih] : [])
                + (p.biasHH != nil ? [dbhh] : [])
        } composite: { inputs in
            unrolledRecurrent(g, p.replaced(by: inputs), lengths: lengths)
        }
    }

    /// The primitive's function step by step with differentiable operations (``recurrentStep(_:x:h:c:weightIH:weightHH:biasIH:biasHH:)``
    /// per time step, the `lengths` mask applied with products): the outputs `[T, B, H]`, `h_n`
    /// (and `c_n`).
    static func unrolledRecurrent(_ g: RecurrentGeometry, _ p: RecurrentInputs<Scalar>, lengths: [Int]?) -> [Tensor] {
        var h = p.h0, c = p.c0
        var outputs = [Tensor?](repeating: nil, count: g.steps)
        for s in 0..<g.steps {
            let t = g.reverse ? g.steps - 1 - s : s
            let (hNew, cNew) = recurrentStep(
                g.cell, x: p.x[t], h: h, c: c, weightIH: p.weightIH, weightHH: p.weightHH, biasIH: p.biasIH, biasHH: p.biasHH)
            if let lengths {
                let keep = Tensor(lengths.map { t < $0 ? Scalar(1) : 0 }, shape: [g.batch, 1])
                h = keep * hNew + (1 - keep) * h
                if let cNew, let cOld = c { c = keep * cNew + (1 - keep) * cOld }
                outputs[t] = keep * hNew
            } else {
                (h, c) = (hNew, cNew)
                outputs[t] = hNew
            }
        }
        return [concat(outputs.map { $0!.unsqueezed(0) }, dim: 0), h] + (c.map { [$0] } ?? [])
    }
}

/// One step of a recurrence with differentiable operations (no fused kernel): `x` `[B, I]`,
/// `h`, `c` `[B, H]` → the new `h` (and `c` for an LSTM).
func recurrentStep<Scalar>(
    _ cell: RecurrentCell, x: Tensor<Scalar>, h: Tensor<Scalar>, c: Tensor<Scalar>?, weightIH: Tensor<Scalar>,
    weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?
) -> (h: Tensor<Scalar>, c: Tensor<Scalar>?) {
    let gi = linear(x, weight: weightIH, bias: biasIH), gh = linear(h, weight: weightHH, bias: biasHH)
    switch cell {
    case .rnnTanh: return ((gi + gh).tanh(), nil)
    case .rnnRelu: return ((gi + gh).relu(), nil)
    case .lstm:
        let gates = (gi + gh).chunked(4, dim: 1)
        let cNew = gates[1].sigmoid() * c! + gates[0].sigmoid() * gates[2].tanh()
        return (gates[3].sigmoid() * cNew.tanh(), cNew)
    case .gru:
        let a = gi.chunked(3, dim: 1), b = gh.chunked(3, dim: 1)
        let r = (a[0] + b[0]).sigmoid(), z = (a[1] + b[1]).sigmoid()
        let n = (a[2] + r * b[2]).tanh()
        return (n + z * (h - n), nil)
    }
}

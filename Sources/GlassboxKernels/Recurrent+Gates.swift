// The fused gate passes of the recurrent kernels: one pass over one batch row per time step,
// `RecurrentLane.scalarCount` hidden units at a time, reading the pre-activations and writing the new
// state, the saved activations and (backward) the pre-activation gradients. No reductions: every
// element is computed by the same lane code whatever the chunking, so results do not depend on
// the thread count. Equations: Docs/Recurrent.md.

/// The pointers of one batch row at one time step (offsets already applied). `x` holds the
/// input projection (to which `inputBias`, the folded biases, is added when given), `hh` the
/// recurrent projection `h·W_hhᵀ`.
struct RecurrentRow<T: KernelScalar> {
    var x: UnsafeMutablePointer<T>
    var hh: UnsafeMutablePointer<T>
    var hPrev: UnsafePointer<T>
    var cPrev: UnsafePointer<T>?
    /// Forward: the new state. Backward: the incoming `∂h` carry (the output gradient is in `out`), then `∂h_prev`'s direct part.
    var h: UnsafeMutablePointer<T>
    /// Forward: the new cell. Backward: the incoming `∂c` carry, replaced by `∂c_prev`.
    var c: UnsafeMutablePointer<T>?
    /// The saved activations (LSTM i, f, g, o; GRU r, z, n, W_hn·h + b_hn; RNN h).
    var saved: UnsafeMutablePointer<T>
    /// LSTM: `tanh(c_t)` of the new cell state, written by the forward pass, read by the backward.
    var cNew: UnsafeMutablePointer<T>?
    /// Forward: the folded biases `[G·H]` added to `x` (nil: `x` already holds them).
    var inputBias: UnsafePointer<T>?
    /// GRU: `b_hn` (or nil).
    var hiddenBias: UnsafePointer<T>?
    /// Forward: the row of the step's output, written with `h`. Backward: the gradient of that
    /// output row, added to the incoming `∂h`.
    var out: UnsafeMutablePointer<T>
    /// Backward: the gradients of the input pre-activations and (GRU) of the recurrent ones.
    var dx: UnsafeMutablePointer<T>
    var dhh: UnsafeMutablePointer<T>

    func rebound<U: KernelScalar>(to _: U.Type) -> RecurrentRow<U> {
        func r(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self) }
        func r(_ p: UnsafePointer<T>) -> UnsafePointer<U> { UnsafeRawPointer(p).assumingMemoryBound(to: U.self) }
        return RecurrentRow<U>(
            x: r(x), hh: r(hh), hPrev: r(hPrev), cPrev: cPrev.map(r), h: r(h), c: c.map(r), saved: r(saved),
            cNew: cNew.map(r), inputBias: inputBias.map(r), hiddenBias: hiddenBias.map(r), out: r(out), dx: r(dx), dhh: r(dhh))
    }
}

enum RecurrentGates {
    /// One row forward: the gates from `x + hh`, the new state into `h` (and `c`), the
    /// activations into `saved`.
    static func forward<T: KernelScalar>(_ cell: RecurrentCell, _ row: RecurrentRow<T>, hidden: Int) {
        if T.self == Float.self {
            forward(VectorMath.FloatVector.self, cell, row.rebound(to: Float.self), hidden)
        } else {
            forward(SIMD2<Double>.self, cell, row.rebound(to: Double.self), hidden)
        }
    }

    /// One row backward: from `∂h` in `h` (and `∂c` in `c`), the pre-activation gradients into
    /// `dx` (and `dhh`), the direct part of `∂h_prev` into `h` and `∂c_prev` into `c`.
    static func backward<T: KernelScalar>(_ cell: RecurrentCell, _ row: RecurrentRow<T>, hidden: Int) {
        if T.self == Float.self {
            backward(VectorMath.FloatVector.self, cell, row.rebound(to: Float.self), hidden)
        } else {
            backward(SIMD2<Double>.self, cell, row.rebound(to: Double.self), hidden)
        }
    }

    /// Runs the cell's unit function (`forwardLSTM`, …) over the row's `H` units: whole vectors
    /// (`n == scalarCount`, a constant there, so every load and store is one vector move) in a
    /// loop per cell, then the partial last vector, if any, in a separate function. With the
    /// cell switched per vector and the zero-padded partial loads (`v[l] = p[l]`) in the same
    /// loop body, the code moved lanes through 128-bit pieces (Docs/Performance.md).
    @inline(__always)
    private static func forward<L: RecurrentLane>(_: L.Type, _ cell: RecurrentCell, _ row: RecurrentRow<L.Scalar>, _ H: Int) {
        let full = H / L.scalarCount * L.scalarCount
        switch cell {
        case .rnnTanh:
            for j in stride(from: 0, to: full, by: L.scalarCount) { forwardRNN(L.self, relu: false, row, H, j, L.scalarCount) }
        case .rnnRelu:
            for j in stride(from: 0, to: full, by: L.scalarCount) { forwardRNN(L.self, relu: true, row, H, j, L.scalarCount) }
        case .lstm:
            for j in stride(from: 0, to: full, by: L.scalarCount) { forwardLSTM(L.self, row, H, j, L.scalarCount) }
        case .gru:
            for j in stride(from: 0, to: full, by: L.scalarCount) { forwardGRU(L.self, row, H, j, L.scalarCount) }
        }
        if full < H { forwardTail(L.self, cell, row, H, full) }
    }

    @inline(never)
    private static func forwardTail<L: RecurrentLane>(_: L.Type, _ cell: RecurrentCell, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int) {
        let n = H - j
        switch cell {
        case .rnnTanh: forwardRNN(L.self, relu: false, row, H, j, n)
        case .rnnRelu: forwardRNN(L.self, relu: true, row, H, j, n)
        case .lstm: forwardLSTM(L.self, row, H, j, n)
        case .gru: forwardGRU(L.self, row, H, j, n)
        }
    }

    /// As ``forward(_:_:_:_:)``, backward.
    @inline(__always)
    private static func backward<L: RecurrentLane>(_: L.Type, _ cell: RecurrentCell, _ row: RecurrentRow<L.Scalar>, _ H: Int) {
        let full = H / L.scalarCount * L.scalarCount
        switch cell {
        case .rnnTanh:
            for j in stride(from: 0, to: full, by: L.scalarCount) { backwardRNN(L.self, relu: false, row, H, j, L.scalarCount) }
        case .rnnRelu:
            for j in stride(from: 0, to: full, by: L.scalarCount) { backwardRNN(L.self, relu: true, row, H, j, L.scalarCount) }
        case .lstm:
            for j in stride(from: 0, to: full, by: L.scalarCount) { backwardLSTM(L.self, row, H, j, L.scalarCount) }
        case .gru:
            for j in stride(from: 0, to: full, by: L.scalarCount) { backwardGRU(L.self, row, H, j, L.scalarCount) }
        }
        if full < H { backwardTail(L.self, cell, row, H, full) }
    }

    @inline(never)
    private static func backwardTail<L: RecurrentLane>(_: L.Type, _ cell: RecurrentCell, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int) {
        let n = H - j
        switch cell {
        case .rnnTanh: backwardRNN(L.self, relu: false, row, H, j, n)
        case .rnnRelu: backwardRNN(L.self, relu: true, row, H, j, n)
        case .lstm: backwardLSTM(L.self, row, H, j, n)
        case .gru: backwardGRU(L.self, row, H, j, n)
        }
    }

    /// The input projection of gate `gate` at units `j..<j+n`, plus the folded bias (the order of
    /// the additions of a GEMM onto bias-filled rows: `x·W + bias`, then `+ hh`).
    @inline(__always)
    private static func input<L: RecurrentLane>(
        _: L.Type, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ gate: Int, _ j: Int, _ n: Int
    ) -> L {
        let x = L.load(row.x + gate * H + j, n)
        guard let bias = row.inputBias else { return x }
        return x + L.load(bias + gate * H + j, n)
    }

    /// The pre-activation of gate `gate`: input projection, bias, then the recurrent projection.
    @inline(__always)
    private static func pre<L: RecurrentLane>(
        _: L.Type, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ gate: Int, _ j: Int, _ n: Int
    ) -> L {
        input(L.self, row, H, gate, j, n) + L.load(row.hh + gate * H + j, n)
    }

    /// Elman RNN forward at units `j..<j+n` (`n ≤ scalarCount`).
    @inline(__always)
    private static func forwardRNN<L: RecurrentLane>(
        _: L.Type, relu: Bool, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int, _ n: Int
    ) {
        let a = pre(L.self, row, H, 0, j, n)
        let h = relu ? a.relu() : a.tanh()
        h.store(row.h + j, n)
        h.store(row.out + j, n)
        h.store(row.saved + j, n)
    }

    /// LSTM forward at units `j..<j+n`: gates, new cell and state, saved activations.
    @inline(__always)
    private static func forwardLSTM<L: RecurrentLane>(_: L.Type, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int, _ n: Int) {
        let i = pre(L.self, row, H, 0, j, n).sigmoid(), f = pre(L.self, row, H, 1, j, n).sigmoid()
        let g = pre(L.self, row, H, 2, j, n).tanh(), o = pre(L.self, row, H, 3, j, n).sigmoid()
        let c = f * L.load(row.cPrev! + j, n) + i * g
        let tc = c.tanh()
        let h = o * tc
        h.store(row.h + j, n)
        h.store(row.out + j, n)
        c.store(row.c! + j, n)
        tc.store(row.cNew! + j, n)
        i.store(row.saved + j, n)
        f.store(row.saved + H + j, n)
        g.store(row.saved + 2 * H + j, n)
        o.store(row.saved + 3 * H + j, n)
    }

    /// GRU forward at units `j..<j+n`.
    @inline(__always)
    private static func forwardGRU<L: RecurrentLane>(_: L.Type, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int, _ n: Int) {
        let r = pre(L.self, row, H, 0, j, n).sigmoid(), z = pre(L.self, row, H, 1, j, n).sigmoid()
        var hn = L.load(row.hh + 2 * H + j, n)
        if let b = row.hiddenBias { hn = hn + L.load(b + 2 * H + j, n) }
        let nn = (input(L.self, row, H, 2, j, n) + r * hn).tanh()
        let hp = L.load(row.hPrev + j, n)
        let h = nn + z * (hp - nn)
        h.store(row.h + j, n)
        h.store(row.out + j, n)
        r.store(row.saved + j, n)
        z.store(row.saved + H + j, n)
        nn.store(row.saved + 2 * H + j, n)
        hn.store(row.saved + 3 * H + j, n)
    }

    /// Elman RNN backward at units `j..<j+n`: `dx` from the carried `∂h` plus the output's
    /// gradient; the carry is cleared (the GEMM adds `∂h_prev` after the row pass).
    @inline(__always)
    private static func backwardRNN<L: RecurrentLane>(
        _: L.Type, relu: Bool, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int, _ n: Int
    ) {
        let dh = L.load(row.h + j, n) + L.load(row.out + j, n)
        let h = L.load(row.saved + j, n)
        if relu {
            h.positivePart(of: dh).store(row.dx + j, n)
        } else {
            (dh * (L(repeating: 1) - h * h)).store(row.dx + j, n)
        }
        L().store(row.h + j, n)
    }

    /// LSTM backward at units `j..<j+n`: the four pre-activation gradients, `∂c_prev`, and the
    /// carry `∂h` cleared.
    @inline(__always)
    private static func backwardLSTM<L: RecurrentLane>(_: L.Type, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int, _ n: Int) {
        let one = L(repeating: 1)
        let dh = L.load(row.h + j, n) + L.load(row.out + j, n)
        let i = L.load(row.saved + j, n), f = L.load(row.saved + H + j, n)
        let g = L.load(row.saved + 2 * H + j, n), o = L.load(row.saved + 3 * H + j, n)
        let tc = L.load(row.cNew! + j, n)
        let dc = L.load(row.c! + j, n) + dh * o * (one - tc * tc)
        (dc * g * i * (one - i)).store(row.dx + j, n)
        (dc * L.load(row.cPrev! + j, n) * f * (one - f)).store(row.dx + H + j, n)
        (dc * i * (one - g * g)).store(row.dx + 2 * H + j, n)
        (dh * tc * o * (one - o)).store(row.dx + 3 * H + j, n)
        (dc * f).store(row.c! + j, n)
        L().store(row.h + j, n)
    }

    /// GRU backward at units `j..<j+n`: `dx`, `dhh` and the direct part of `∂h_prev`.
    @inline(__always)
    private static func backwardGRU<L: RecurrentLane>(_: L.Type, _ row: RecurrentRow<L.Scalar>, _ H: Int, _ j: Int, _ n: Int) {
        let one = L(repeating: 1)
        let dh = L.load(row.h + j, n) + L.load(row.out + j, n)
        let r = L.load(row.saved + j, n), z = L.load(row.saved + H + j, n)
        let nn = L.load(row.saved + 2 * H + j, n), hn = L.load(row.saved + 3 * H + j, n)
        let hp = L.load(row.hPrev + j, n)
        let dn = dh * (one - z) * (one - nn * nn)
        let dr = dn * hn * r * (one - r)
        let dz = dh * (hp - nn) * z * (one - z)
        dr.store(row.dx + j, n)
        dz.store(row.dx + H + j, n)
        dn.store(row.dx + 2 * H + j, n)
        dr.store(row.dhh + j, n)
        dz.store(row.dhh + H + j, n)
        (dn * r).store(row.dhh + 2 * H + j, n)
        (dh * z).store(row.h + j, n)
    }
}

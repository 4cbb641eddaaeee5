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

    @inline(__always)
    private static func forward<L: RecurrentLane>(_: L.Type, _ cell: RecurrentCell, _ row: RecurrentRow<L.Scalar>, _ hidden: Int) {
        let H = hidden
        var j = 0
        while j < H {
            let n = Swift.min(L.scalarCount, H - j)
            /// The input projection of a gate, plus the folded bias (the order of the additions
            /// of a GEMM onto bias-filled rows: `x·W + bias`, then `+ hh`).
            @inline(__always) func input(_ gate: Int) -> L {
                let x = L.load(row.x + gate * H + j, n)
                guard let bias = row.inputBias else { return x }
                return x + L.load(bias + gate * H + j, n)
            }
            @inline(__always) func pre(_ gate: Int) -> L { input(gate) + L.load(row.hh + gate * H + j, n) }
            switch cell {
            case .rnnTanh, .rnnRelu:
                let h = cell == .rnnTanh ? pre(0).tanh() : pre(0).relu()
                h.store(row.h + j, n)
                h.store(row.out + j, n)
                h.store(row.saved + j, n)
            case .lstm:
                let i = pre(0).sigmoid(), f = pre(1).sigmoid(), g = pre(2).tanh(), o = pre(3).sigmoid()
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
            case .gru:
                let r = pre(0).sigmoid(), z = pre(1).sigmoid()
                var hn = L.load(row.hh + 2 * H + j, n)
                if let b = row.hiddenBias { hn = hn + L.load(b + 2 * H + j, n) }
                let nn = (input(2) + r * hn).tanh()
                let hp = L.load(row.hPrev + j, n)
                let h = nn + z * (hp - nn)
                h.store(row.h + j, n)
                h.store(row.out + j, n)
                r.store(row.saved + j, n)
                z.store(row.saved + H + j, n)
                nn.store(row.saved + 2 * H + j, n)
                hn.store(row.saved + 3 * H + j, n)
            }
            j += L.scalarCount
        }
    }

    @inline(__always)
    private static func backward<L: RecurrentLane>(_: L.Type, _ cell: RecurrentCell, _ row: RecurrentRow<L.Scalar>, _ hidden: Int) {
        let H = hidden
        let one = L(repeating: 1)
        var j = 0
        while j < H {
            let n = Swift.min(L.scalarCount, H - j)
            let dh = L.load(row.h + j, n) + L.load(row.out + j, n)
            switch cell {
            case .rnnTanh:
                let h = L.load(row.saved + j, n)
                (dh * (one - h * h)).store(row.dx + j, n)
                L().store(row.h + j, n)
            case .rnnRelu:
                L.load(row.saved + j, n).positivePart(of: dh).store(row.dx + j, n)
                L().store(row.h + j, n)
            case .lstm:
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
            case .gru:
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
            j += L.scalarCount
        }
    }
}

// Recurrent layers (Elman RNN, LSTM, GRU): one direction of one layer, forward and backward
// through time, time-major (`[T, B, ·]`).
//
// Forward:
//   1. X = x·W_ihᵀ for all T·B rows in ONE GEMM; the gate pass adds the folded bias b_ih + b_hh
//      (except GRU's b_hn, which sits inside r ⊙ (W_hn h + b_hn)) as (X + bias) + HH, the same
//      additions in the same order as a GEMM onto bias-filled rows, without writing those rows.
//   2. for each step s (time t = s, or T−1−s for the reverse direction):
//        save h_prev (and c_prev);  HH = h_prev·W_hhᵀ (one GEMM, B × G·H × H, on W_hhᵀ packed
//        once for all steps: Recurrent+GEMM.swift);
//        one fused SIMD pass per batch row (Recurrent+Gates.swift): gates, new state (into the
//        state and the output), saved activations. Rows with t ≥ lengths[b] keep their state and
//        get a zero output.
// Backward (s from T−1 down to 0):
//        one fused pass per row: ∂h = carry + ∂output[t], pre-activation gradients dX[t] (and
//        GRU's dHH[t]), ∂c carry, the direct part of ∂h_prev; then ∂h_prev += dHH[t]·W_hh (one
//        GEMM, W_hh packed once). Masked rows pass ∂h and ∂c through unchanged.
//   After the loop, over all T·B rows at once: ∂x = dX·W_ih, ∂W_ih = dXᵀ·x, ∂W_hh = dHHᵀ·H_prev
//   (ONE GEMM each; ∂W_ih and ∂W_hh as (xᵀ·dX)ᵀ when G·H > I or I pads the GEMM's column panels
//   more than G·H does — every element is the same sum of the same products in the same order,
//   so the same bits: `weightGradient`),
//   ∂b_ih / ∂b_hh = column sums of dX / dHH in row order (summed once when dHH is dX: RNN, LSTM).
//
// Threads: the batched GEMMs split as `gemm` does; the recurrence splits over batch rows, each
// thread running every step for its rows (rows are independent, so there is no per-step
// synchronisation; chunks are even, so 2 threads split a batch of 64 as 32 + 32, not 36 + 28: a
// row's GEMM sums are the same chain of multiply-adds in any tile); the column sums split over columns, each
// summed over rows in a fixed order. So results are bitwise identical for any thread count.

/// The recurrence of a layer: Elman RNN with tanh or ReLU, LSTM (gates i, f, g, o) or GRU
/// (gates r, z, n), with PyTorch's equations and gate orders.
public enum RecurrentCell: String, Sendable, CaseIterable {
    /// `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
    case rnnTanh
    /// `h' = relu(W_ih x + b_ih + W_hh h + b_hh)`.
    case rnnRelu
    /// Long short-term memory, gates i, f, g, o.
    case lstm
    /// Gated recurrent unit, gates r, z, n, with `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`.
    case gru

    /// The number of gate blocks in the weights: 1, 4 or 3.
    public var gateCount: Int {
        switch self {
        case .rnnTanh, .rnnRelu: 1
        case .lstm: 4
        case .gru: 3
        }
    }

    /// Whether the cell carries a cell state `c` next to `h` (LSTM).
    public var hasCellState: Bool { self == .lstm }

    /// Saved activations per batch row and time step, in units of the hidden size.
    var savedBlocks: Int {
        switch self {
        case .rnnTanh, .rnnRelu: 1
        case .lstm, .gru: 4
        }
    }
}

/// The sizes of one recurrent layer direction.
public struct RecurrentGeometry: Sendable, Equatable {
    /// The recurrence.
    public var cell: RecurrentCell
    /// Time steps `T`.
    public var steps: Int
    /// Batch rows `B`.
    public var batch: Int
    /// Input features `I`.
    public var inputSize: Int
    /// Hidden units `H`.
    public var hiddenSize: Int
    /// Whether time runs from `T − 1` down to 0 (the backward direction of a bidirectional layer).
    public var reverse: Bool

    /// Creates a geometry.
    public init(cell: RecurrentCell, steps: Int, batch: Int, inputSize: Int, hiddenSize: Int, reverse: Bool = false) {
        precondition(
            steps >= 0 && batch >= 0 && inputSize >= 0 && hiddenSize >= 0,
            "RecurrentGeometry: negative size (T \(steps), B \(batch), I \(inputSize), H \(hiddenSize))")
        self.cell = cell
        self.steps = steps
        self.batch = batch
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.reverse = reverse
    }

    /// Rows of the packed output: `T` outputs, then `h_n`, then `c_n` for an LSTM.
    public var outputRows: Int { steps + (cell.hasCellState ? 2 : 1) }

    /// The number of scalars the forward pass saves for the backward pass.
    public var savedCount: Int {
        let slab = steps * batch * hiddenSize
        return slab * (1 + cell.savedBlocks + (cell.hasCellState ? 2 : 0))
    }

    var gateWidth: Int { cell.gateCount * hiddenSize }
    var slab: Int { batch * hiddenSize }

    /// The time index of processing step `s`.
    func time(_ s: Int) -> Int { reverse ? steps - 1 - s : s }
}

/// Forward and backward through time of one direction of a recurrent layer.
public enum Recurrent {
    /// Runs the layer over the sequence.
    ///
    /// - Parameters:
    ///   - input: `[T, B, I]`. `h0`, `c0` (LSTM only): `[B, H]`.
    ///   - weightIH: `[G·H, I]`, `weightHH`: `[G·H, H]`, `biasIH`/`biasHH`: `[G·H]` or nil.
    ///   - lengths: `B` valid lengths in `0...T` (nil: all `T`); step `t` of row `b` runs only
    ///     when `t < lengths[b]`, else the state is kept and the output is zero.
    ///   - output: `[outputRows, B, H]`: the outputs by time, then `h_n` (and `c_n`).
    ///   - saved: ``RecurrentGeometry/savedCount`` scalars for ``backward``.
    public static func forward<T: KernelScalar>(
        _ geometry: RecurrentGeometry, input: UnsafePointer<T>, h0: UnsafePointer<T>, c0: UnsafePointer<T>?,
        weightIH: UnsafePointer<T>, weightHH: UnsafePointer<T>, biasIH: UnsafePointer<T>?, biasHH: UnsafePointer<T>?,
        lengths: [Int]?, output: UnsafeMutablePointer<T>, saved: UnsafeMutablePointer<T>
    ) {
        let state = output + geometry.steps * geometry.slab
        forward(
            geometry, input: input, h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
            lengths: lengths, output: output, hN: state, cN: geometry.cell.hasCellState ? state + geometry.slab : nil, saved: saved)
    }

    /// Runs the layer over the sequence, with the outputs in three buffers: `output` `[T, B, H]`,
    /// the final state `hN` `[B, H]` and (LSTM only, else nil) the final cell `cN` `[B, H]`; the
    /// other arguments are those of ``forward(_:input:h0:c0:weightIH:weightHH:biasIH:biasHH:lengths:output:saved:)``.
    // Specialised per scalar type: generic code called across modules is not, and the row
    // loops would go through the protocol witnesses.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forward<T: KernelScalar>(
        _ geometry: RecurrentGeometry, input: UnsafePointer<T>, h0: UnsafePointer<T>, c0: UnsafePointer<T>?,
        weightIH: UnsafePointer<T>, weightHH: UnsafePointer<T>, biasIH: UnsafePointer<T>?, biasHH: UnsafePointer<T>?,
        lengths: [Int]?, output: UnsafeMutablePointer<T>, hN: UnsafeMutablePointer<T>, cN: UnsafeMutablePointer<T>?,
        saved: UnsafeMutablePointer<T>
    ) {
        let g = geometry, cell = g.cell
        let (T_, B, I, H, GH) = (g.steps, g.batch, g.inputSize, g.hiddenSize, g.gateWidth)
        let layout = SavedLayout(g, saved)
        let state = hN
        let cellState: UnsafeMutablePointer<T>? = cell.hasCellState ? cN! : nil
        state.update(from: h0, count: g.slab)
        if let cellState { cellState.update(from: c0!, count: g.slab) }
        if T_ == 0 { return }

        // 1. The input projection of every step; the gate pass adds the folded biases. (Without
        //    inputs, I = 0, the rows are the biases themselves, as the GEMM onto them would leave.)
        let x = UnsafeMutablePointer<T>.allocate(capacity: T_ * B * GH)
        let hh = UnsafeMutablePointer<T>.allocate(capacity: B * GH)
        let folded = UnsafeMutablePointer<T>.allocate(capacity: GH)
        defer { x.deallocate(); hh.deallocate(); folded.deallocate() }
        for k in 0..<GH {
            let recurrent = cell == .gru && k >= 2 * H ? 0 : (biasHH?[k] ?? 0)
            folded[k] = (biasIH?[k] ?? 0) + recurrent
        }
        let inputBias: UnsafePointer<T>?
        if I > 0 {
            gemm(.none, .transpose, m: T_ * B, n: GH, k: I, alpha: 1, a: input, lda: I, b: weightIH, ldb: I, beta: 0, c: x, ldc: GH)
            inputBias = UnsafePointer(folded)
        } else {
            for r in 0..<(T_ * B) { (x + r * GH).update(from: folded, count: GH) }
            inputBias = nil
        }
        let hiddenBias: UnsafePointer<T>? = cell == .gru ? biasHH : nil

        // 2. The recurrence. Batch rows are independent, so each thread runs every step for its
        //    own rows — no synchronisation per step. Every C element of the GEMM is the same
        //    chain of multiply-adds whatever tile computes it, so the chunks need not be whole
        //    6-row panels: even chunks leave edge tiles of 2 or 4 rows, which have their own
        //    kernels (GEMM+MicroKernel.swift).
        let recurrentWeight = RecurrentPackedWeight(weightHH, rows: GH, cols: H, transposed: true)
        defer { recurrentWeight.deallocate() }
        Threading.parallelChunks(B, granularity: 2) { rows in
            let lo = rows.lowerBound, count = rows.count
            for s in 0..<T_ {
                let t = g.time(s)
                let hPrev = layout.hPrev + t * g.slab
                (hPrev + lo * H).update(from: state + lo * H, count: count * H)
                if let cellState { (layout.cPrev! + t * g.slab + lo * H).update(from: cellState + lo * H, count: count * H) }
                recurrentWeight.multiply(hPrev + lo * H, rows: count, beta: 0, into: hh + lo * GH, threads: 1)
                let p = RowPointers(
                    x: x, hh: hh, state: state, cellState: cellState, out: output + t * g.slab, layout: layout,
                    inputBias: inputBias, hiddenBias: hiddenBias)
                for b in rows {
                    guard lengths.map({ t < $0[b] }) ?? true else {
                        (p.out.base + b * H).update(repeating: 0, count: H)
                        continue
                    }
                    RecurrentGates.forward(cell, p.row(g, t: t, b: b, dx: p.x.base, dhh: p.x.base), hidden: H)
                }
            }
        }
    }

    /// The gradients of the layer, given the gradient of its packed output.
    ///
    /// `gradOutput` is `[outputRows, B, H]` (gradients of the outputs, of `h_n` and of `c_n`);
    /// `saved` is what ``forward`` filled for the same arguments. Each gradient pointer that
    /// is nil is skipped; the others are overwritten: `gradInput` `[T, B, I]`, `gradH0`/`gradC0` (ignored without a cell state)
    /// `[B, H]`, `gradWeightIH` `[G·H, I]`, `gradWeightHH` `[G·H, H]`, `gradBiasIH`/`gradBiasHH` `[G·H]`.
    public static func backward<T: KernelScalar>(
        _ geometry: RecurrentGeometry, input: UnsafePointer<T>, weightIH: UnsafePointer<T>, weightHH: UnsafePointer<T>,
        biasHH: UnsafePointer<T>?, lengths: [Int]?, saved: UnsafeMutablePointer<T>, gradOutput: UnsafePointer<T>,
        gradInput: UnsafeMutablePointer<T>?, gradH0: UnsafeMutablePointer<T>?, gradC0: UnsafeMutablePointer<T>?,
        gradWeightIH: UnsafeMutablePointer<T>?, gradWeightHH: UnsafeMutablePointer<T>?,
        gradBiasIH: UnsafeMutablePointer<T>?, gradBiasHH: UnsafeMutablePointer<T>?
    ) {
        let final = gradOutput + geometry.steps * geometry.slab
        backward(
            geometry, input: input, weightIH: weightIH, weightHH: weightHH, biasHH: biasHH, lengths: lengths, saved: saved,
            gradOutput: gradOutput, gradHN: final, gradCN: geometry.cell.hasCellState ? final + geometry.slab : nil,
            gradInput: gradInput, gradH0: gradH0, gradC0: gradC0, gradWeightIH: gradWeightIH, gradWeightHH: gradWeightHH,
            gradBiasIH: gradBiasIH, gradBiasHH: gradBiasHH)
    }

    /// The gradients of the layer, given the gradients of its three outputs in separate buffers:
    /// `gradOutput` `[T, B, H]`, `gradHN` `[B, H]` and (LSTM only, else nil) `gradCN` `[B, H]`; the
    /// other arguments are those of ``backward(_:input:weightIH:weightHH:biasHH:lengths:saved:gradOutput:gradInput:gradH0:gradC0:gradWeightIH:gradWeightHH:gradBiasIH:gradBiasHH:)``.
    // Specialised per scalar type: generic code called across modules is not, and the row
    // loops would go through the protocol witnesses.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backward<T: KernelScalar>(
        _ geometry: RecurrentGeometry, input: UnsafePointer<T>, weightIH: UnsafePointer<T>, weightHH: UnsafePointer<T>,
        biasHH: UnsafePointer<T>?, lengths: [Int]?, saved: UnsafeMutablePointer<T>, gradOutput: UnsafePointer<T>,
        gradHN: UnsafePointer<T>, gradCN: UnsafePointer<T>?,
        gradInput: UnsafeMutablePointer<T>?, gradH0: UnsafeMutablePointer<T>?, gradC0: UnsafeMutablePointer<T>?,
        gradWeightIH: UnsafeMutablePointer<T>?, gradWeightHH: UnsafeMutablePointer<T>?,
        gradBiasIH: UnsafeMutablePointer<T>?, gradBiasHH: UnsafeMutablePointer<T>?
    ) {
        let g = geometry, cell = g.cell
        let (T_, B, I, H, GH) = (g.steps, g.batch, g.inputSize, g.hiddenSize, g.gateWidth)
        let layout = SavedLayout(g, saved)
        let dh = UnsafeMutablePointer<T>.allocate(capacity: g.slab)
        let dc = UnsafeMutablePointer<T>.allocate(capacity: g.slab)
        let dX = UnsafeMutablePointer<T>.allocate(capacity: T_ * B * GH)
        let dHH = cell == .gru ? UnsafeMutablePointer<T>.allocate(capacity: T_ * B * GH) : dX
        defer {
            dh.deallocate()
            dc.deallocate()
            if dHH != dX { dHH.deallocate() }
            dX.deallocate()
        }
        dh.update(from: gradHN, count: g.slab)
        if cell.hasCellState { dc.update(from: gradCN!, count: g.slab) }
        let hiddenBias: UnsafePointer<T>? = cell == .gru ? biasHH : nil
        let recurrentWeight = RecurrentPackedWeight(weightHH, rows: GH, cols: H, transposed: false)
        defer { recurrentWeight.deallocate() }

        // Batch rows split over threads as in the forward pass.
        Threading.parallelChunks(B, granularity: 2) { rows in
            let lo = rows.lowerBound, count = rows.count
            for s in stride(from: T_ - 1, through: 0, by: -1) {
                let t = g.time(s)
                let p = RowPointers(
                    x: dX, hh: dHH, state: dh, cellState: cell.hasCellState ? dc : nil,
                    out: UnsafeMutablePointer(mutating: gradOutput + t * g.slab), layout: layout, inputBias: nil,
                    hiddenBias: hiddenBias)
                for b in rows {
                    guard lengths.map({ t < $0[b] }) ?? true else {
                        (p.x.base + (t * B + b) * GH).update(repeating: 0, count: GH)
                        if cell == .gru { (p.hh.base + (t * B + b) * GH).update(repeating: 0, count: GH) }
                        continue
                    }
                    RecurrentGates.backward(
                        cell, p.row(g, t: t, b: b, dx: p.x.base + (t * B + b) * GH, dhh: p.hh.base + (t * B + b) * GH), hidden: H)
                }
                recurrentWeight.multiply(dHH + (t * B + lo) * GH, rows: count, beta: 1, into: dh + lo * H, threads: 1)
            }
        }
        gradH0?.update(from: dh, count: g.slab)
        if let gradC0, cell.hasCellState { gradC0.update(from: dc, count: g.slab) }
        let rows = T_ * B
        if let gradInput {
            gemm(.none, .none, m: rows, n: I, k: GH, alpha: 1, a: dX, lda: GH, b: weightIH, ldb: I, beta: 0, c: gradInput, ldc: I)
        }
        if let gradWeightIH { weightGradient(dX, input, rows: rows, gates: GH, inputs: I, into: gradWeightIH) }
        if let gradWeightHH { weightGradient(dHH, layout.hPrev, rows: rows, gates: GH, inputs: H, into: gradWeightHH) }
        if let gradBiasIH { columnSums(dX, rows: rows, columns: GH, into: gradBiasIH) }
        if let gradBiasHH {
            // Without GRU's separate dHH, both biases have the same gradient: the sums once.
            if let gradBiasIH, dHH == dX {
                gradBiasHH.update(from: gradBiasIH, count: GH)
            } else {
                columnSums(dHH, rows: rows, columns: GH, into: gradBiasHH)
            }
        }
    }

    /// A weight gradient `∂W = dXᵀ·x` (`[G·H, I]`) for `dX` `[rows, G·H]` and `x` `[rows, I]`:
    /// `∂W_ih` (x the input) and `∂W_hh` (x the saved `h_prev`, I = H). Computed as `(xᵀ·dX)ᵀ` —
    /// the GEMM into a scratch `[I, G·H]`, then an 8 × 8-block transpose — when G·H > I, or when
    /// the GEMM's column panels (NR wide) waste more of I columns than of G·H (I = 100 runs as
    /// 128 columns, G·H = 1024 as 1024). The larger operand is then op(B), packed from its rows
    /// front to back; as op(A) = dXᵀ, each k step of a packed block read 144 values from a row
    /// 4 KB long, a page apart from the next, and that packing loop took 7.6 % of the samples
    /// in the strided GEMMs (`perf annotate`, LSTM layer bench, one thread). Element (g, i) is Σ_r dX[r, g]·x[r, i] either
    /// way, over r in the same blocks and order, each product the same (IEEE products and fused
    /// multiply-adds are commutative in their factors), so the bits do not depend on the
    /// orientation.
    static func weightGradient<T: KernelScalar>(
        _ dX: UnsafePointer<T>, _ x: UnsafePointer<T>, rows: Int, gates: Int, inputs: Int, into out: UnsafeMutablePointer<T>
    ) {
        let nr = 2 * (T.self == Float.self ? GEMMVector.Float.scalarCount : GEMMVector.Double.scalarCount)
        func padded(_ n: Int) -> Int { (n + nr - 1) / nr * nr }
        guard gates > 0, inputs > 0, gates > inputs || padded(inputs) * gates > padded(gates) * inputs else {
            gemm(.transpose, .none, m: gates, n: inputs, k: rows, alpha: 1, a: dX, lda: gates, b: x, ldb: inputs, beta: 0, c: out, ldc: inputs)
            return
        }
        let transposed = UnsafeMutablePointer<T>.allocate(capacity: inputs * gates)
        defer { transposed.deallocate() }
        gemm(.transpose, .none, m: inputs, n: gates, k: rows, alpha: 1, a: x, lda: inputs, b: dX, ldb: gates, beta: 0, c: transposed, ldc: gates)
        transposeMatrix(UnsafePointer(transposed), rows: inputs, columns: gates, into: out, stride: inputs)
    }

    /// `out[j] = Σ_r a[r, j]`, each column summed over rows in order; split over columns.
    static func columnSums<T: KernelScalar>(_ a: UnsafePointer<T>, rows: Int, columns: Int, into out: UnsafeMutablePointer<T>) {
        // Specialised per scalar type: generic code called across modules is not.
        if T.self == Float.self {
            columnSums(rebind(a, Float.self), rows, columns, rebind(out, Float.self))
        } else {
            columnSums(rebind(a, Double.self), rows, columns, rebind(out, Double.self))
        }
    }

    private static func columnSums<T: KernelScalar>(_ a: UnsafePointer<T>, _ rows: Int, _ columns: Int, _ out: UnsafeMutablePointer<T>) {
        let ap = SendableConstPointer(a), op = SendablePointer(out)
        let chunk = rows * columns >= 1 << 16 ? 64 : columns
        Threading.parallelChunks(columns, granularity: 16, minimumChunk: chunk) { range in
            let o = op.base + range.lowerBound
            o.update(repeating: 0, count: range.count)
            for r in 0..<rows {
                let row = ap.base + r * columns + range.lowerBound
                for j in 0..<range.count { o[j] += row[j] }
            }
        }
    }

}

/// Where the forward pass saves what the backward pass needs, by time index:
/// `hPrev` `[T, B, H]`, the activations `[T, B, savedBlocks·H]`, LSTM `cPrev` and `tanh(c_t)` (`cNew`)
/// `[T, B, H]` (saved so that the backward pass does not recompute it).
private struct SavedLayout<T: KernelScalar>: @unchecked Sendable {
    let hPrev: UnsafeMutablePointer<T>
    let activations: UnsafeMutablePointer<T>
    let cPrev: UnsafeMutablePointer<T>?
    let cNew: UnsafeMutablePointer<T>?

    init(_ g: RecurrentGeometry, _ base: UnsafeMutablePointer<T>) {
        let slab = g.steps * g.slab
        hPrev = base
        activations = base + slab
        cPrev = g.cell.hasCellState ? base + slab * (1 + g.cell.savedBlocks) : nil
        cNew = g.cell.hasCellState ? base + slab * (2 + g.cell.savedBlocks) : nil
    }
}

/// The buffers of one step, carried into the row loop (which may run on several threads; each
/// row touches only its own part).
private struct RowPointers<T: KernelScalar>: @unchecked Sendable {
    let x: SendablePointer<T>, hh: SendablePointer<T>, state: SendablePointer<T>
    let cellState: UnsafeMutablePointer<T>?
    /// Forward: the step's output rows. Backward: the gradient of the step's output rows.
    let out: SendablePointer<T>
    let layout: SavedLayout<T>
    let inputBias: UnsafePointer<T>?
    let hiddenBias: UnsafePointer<T>?

    init(
        x: UnsafeMutablePointer<T>, hh: UnsafeMutablePointer<T>, state: UnsafeMutablePointer<T>, cellState: UnsafeMutablePointer<T>?,
        out: UnsafeMutablePointer<T>, layout: SavedLayout<T>, inputBias: UnsafePointer<T>?, hiddenBias: UnsafePointer<T>?
    ) {
        self.x = SendablePointer(x)
        self.hh = SendablePointer(hh)
        self.state = SendablePointer(state)
        self.cellState = cellState
        self.out = SendablePointer(out)
        self.layout = layout
        self.inputBias = inputBias
        self.hiddenBias = hiddenBias
    }

    /// Row `b` at time `t`. Forward: `x` is the projection of all steps, `hh` the step's
    /// `[B, G·H]`; backward passes `dx`/`dhh` explicitly and `x`/`hh` are unused.
    func row(_ g: RecurrentGeometry, t: Int, b: Int, dx: UnsafeMutablePointer<T>, dhh: UnsafeMutablePointer<T>) -> RecurrentRow<T> {
        let H = g.hiddenSize, GH = g.gateWidth
        let at = t * g.slab + b * H
        return RecurrentRow(
            x: x.base + (t * g.batch + b) * GH, hh: hh.base + b * GH, hPrev: layout.hPrev + at,
            cPrev: layout.cPrev.map { UnsafePointer($0 + at) }, h: state.base + b * H, c: cellState.map { $0 + b * H },
            saved: layout.activations + (t * g.batch + b) * g.cell.savedBlocks * H,
            cNew: layout.cNew.map { $0 + at }, inputBias: inputBias, hiddenBias: hiddenBias, out: out.base + b * H, dx: dx,
            dhh: dhh)
    }
}

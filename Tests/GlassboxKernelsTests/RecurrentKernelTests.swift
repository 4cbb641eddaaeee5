import Testing
import GlassboxKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The recurrent kernels on raw buffers: a one-unit step against the scalar equations, the
// backward pass against central differences of the forward pass (Double, with lengths, both
// directions), and bitwise determinism across thread counts (Float).

/// The buffers of one layer direction, filled with a seeded pseudo-random sequence.
private struct RecurrentProblem<T: KernelScalar> {
    let geometry: RecurrentGeometry
    var x: [T], h0: [T], c0: [T], wih: [T], whh: [T], bih: [T], bhh: [T]
    let lengths: [Int]?

    init(_ geometry: RecurrentGeometry, lengths: [Int]?, seed: UInt64) {
        var state = seed
        func values(_ n: Int, scale: Double) -> [T] {
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return T((Double(state >> 11) / Double(1 << 53) * 2 - 1) * scale)
            }
        }
        let g = geometry, gates = g.cell.gateCount * g.hiddenSize
        self.geometry = g
        x = values(g.steps * g.batch * g.inputSize, scale: 1)
        h0 = values(g.batch * g.hiddenSize, scale: 1)
        c0 = values(g.batch * g.hiddenSize, scale: 1)
        wih = values(gates * g.inputSize, scale: 0.6)
        whh = values(gates * g.hiddenSize, scale: 0.6)
        bih = values(gates, scale: 0.5)
        bhh = values(gates, scale: 0.5)
        self.lengths = lengths
    }

    /// The packed output `[T + 1 (+ 1), B, H]` and the saved buffer.
    func forward() -> (output: [T], saved: [T]) {
        let g = geometry
        var output = [T](repeating: 0, count: g.outputRows * g.batch * g.hiddenSize)
        var saved = [T](repeating: 0, count: g.savedCount)
        Recurrent.forward(
            g, input: x, h0: h0, c0: g.cell.hasCellState ? c0 : nil, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh,
            lengths: lengths, output: &output, saved: &saved)
        return (output, saved)
    }

    /// Gradients of `Σ output ⊙ gradOutput` for x, h0, c0, W_ih, W_hh, b_ih, b_hh.
    func backward(_ gradOutput: [T]) -> [[T]] {
        let g = geometry
        var (_, saved) = forward()
        func zeros(_ a: [T]) -> [T] { [T](repeating: 0, count: a.count) }
        var (dx, dh0, dc0, dwih, dwhh, dbih, dbhh) = (zeros(x), zeros(h0), zeros(c0), zeros(wih), zeros(whh), zeros(bih), zeros(bhh))
        Recurrent.backward(
            g, input: x, weightIH: wih, weightHH: whh, biasHH: bhh, lengths: lengths, saved: &saved, gradOutput: gradOutput,
            gradInput: &dx, gradH0: &dh0, gradC0: &dc0, gradWeightIH: &dwih, gradWeightHH: &dwhh, gradBiasIH: &dbih,
            gradBiasHH: &dbhh)
        return [dx, dh0, dc0, dwih, dwhh, dbih, dbhh]
    }

    subscript(buffer: Int) -> [T] {
        get { [x, h0, c0, wih, whh, bih, bhh][buffer] }
        set {
            switch buffer {
            case 0: x = newValue
            case 1: h0 = newValue
            case 2: c0 = newValue
            case 3: wih = newValue
            case 4: whh = newValue
            case 5: bih = newValue
            default: bhh = newValue
            }
        }
    }
}

@Suite("Recurrent kernels", .serialized)
struct RecurrentKernelTests {
    @Test("one unit, one step: the scalar equations of each cell")
    func oneStep() {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + LibM.exp(-v)) }
        for cell in RecurrentCell.allCases {
            let p = RecurrentProblem<Double>(
                RecurrentGeometry(cell: cell, steps: 1, batch: 1, inputSize: 1, hiddenSize: 1), lengths: nil, seed: 3)
            let out = p.forward().output
            let pre = (0..<cell.gateCount).map { p.x[0] * p.wih[$0] + p.bih[$0] + p.h0[0] * p.whh[$0] + p.bhh[$0] }
            let expected: [Double]
            switch cell {
            case .rnnTanh: expected = [LibM.tanh(pre[0])]
            case .rnnRelu: expected = [Swift.max(pre[0], 0)]
            case .lstm:
                let c = sigmoid(pre[1]) * p.c0[0] + sigmoid(pre[0]) * LibM.tanh(pre[2])
                expected = [sigmoid(pre[3]) * LibM.tanh(c), c]
            case .gru:
                let r = sigmoid(pre[0]), z = sigmoid(pre[1])
                let n = LibM.tanh(p.x[0] * p.wih[2] + p.bih[2] + r * (p.h0[0] * p.whh[2] + p.bhh[2]))
                expected = [(1 - z) * n + z * p.h0[0]]
            }
            #expect(Swift.abs(out[0] - expected[0]) < 1e-15, "\(cell) output")
            #expect(out[1] == out[0], "\(cell) h_n")
            if cell == .lstm { #expect(Swift.abs(out[2] - expected[1]) < 1e-15, "lstm c_n") }
        }
    }

    @Test("backward through time matches central differences (lengths, both directions)",
          arguments: RecurrentCell.allCases, [false, true])
    func backwardMatchesFiniteDifferences(cell: RecurrentCell, reverse: Bool) {
        let geometry = RecurrentGeometry(cell: cell, steps: 4, batch: 3, inputSize: 2, hiddenSize: 3, reverse: reverse)
        var p = RecurrentProblem<Double>(geometry, lengths: [4, 1, 3], seed: 11)
        let gradOutput = RecurrentProblem<Double>(
            RecurrentGeometry(cell: .rnnTanh, steps: geometry.outputRows, batch: 3, inputSize: 3, hiddenSize: 1), lengths: nil,
            seed: 12
        ).x
        let analytic = p.backward(gradOutput)
        func loss(_ q: RecurrentProblem<Double>) -> Double { zip(q.forward().output, gradOutput).reduce(0) { $0 + $1.0 * $1.1 } }
        let epsilon = 1e-6
        for buffer in 0..<7 where buffer != 2 || cell.hasCellState {
            for i in p[buffer].indices {
                let saved = p[buffer][i]
                p[buffer][i] = saved + epsilon
                let plus = loss(p)
                p[buffer][i] = saved - epsilon
                let minus = loss(p)
                p[buffer][i] = saved
                let numeric = (plus - minus) / (2 * epsilon)
                #expect(Swift.abs(analytic[buffer][i] - numeric) < 1e-7, "\(cell) buffer \(buffer) element \(i)")
            }
        }
    }

    @Test("Float forward and backward are bitwise identical for 1–4 threads", arguments: RecurrentCell.allCases)
    func threads(cell: RecurrentCell) {
        #if DEBUG
        let (batch, hidden) = (16, 40)
        #else
        let (batch, hidden) = (64, 130)
        #endif
        let geometry = RecurrentGeometry(cell: cell, steps: 6, batch: batch, inputSize: 9, hiddenSize: hidden, reverse: true)
        let p = RecurrentProblem<Float>(geometry, lengths: (0..<batch).map { 6 - $0 % 6 }, seed: 21)
        let gradOutput = p.forward().output.map { $0 * 0.5 + 0.25 }
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var runs: [[[Float]]] = []
        for threads in 1...4 {
            Threading.threadCount = threads
            runs.append([p.forward().output] + p.backward(gradOutput))
        }
        #expect(runs.allSatisfy { $0 == runs[0] })
    }
}

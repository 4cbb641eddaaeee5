import GlassboxKernels

extension OpCatalog {
    /// Entries for the tensor primitives.
    static var tensorEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            // Arithmetic, with broadcasting in both directions.
            .init("add/broadcast", op: .add, inputs: { g in [T.sample([3, 4], &g), T.sample([4], &g)] }) { $0[0] + $0[1] },
            .init("subtract/broadcast", op: .subtract, inputs: { g in [T.sample([3, 1], &g), T.sample([2, 1, 4], &g)] }) { $0[0] - $0[1] },
            .init("multiply/broadcast", op: .multiply, inputs: { g in [T.sample([2, 3, 4], &g), T.sample([3, 1], &g)] }) { $0[0] * $0[1] },
            .init("divide/broadcast", op: .divide, inputs: { g in [T.sample([3, 4], &g), T.sample([4], &g, in: 0.5..<2)] }) { $0[0] / $0[1] },
            .init("negate", op: .negate, inputs: { g in [T.sample([5], &g)] }) { -$0[0] },
            .init("maximum/broadcast", op: .maximum, inputs: { g in [T.sampleDistinct([3, 4], &g), T.sample([4], &g)] }) { $0[0].maximum($0[1]) },
            .init("pow/tensor-exponent", op: .pow, inputs: { g in [T.sample([3, 4], &g, in: 0.5..<2), T.sample([4], &g)] }) { $0[0].pow($0[1]) },
            .init("pow/scalar-exponent", op: .powScalar, inputs: { g in [T.sample([3, 4], &g, in: 0.5..<2)] }) { $0[0].pow(2.5) },
            .init("square", op: .square, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].squared() },
            .init("expand", op: .expand, inputs: { g in [T.sample([3, 1], &g)] }) { $0[0].expanded(to: [2, 3, 4]) },
            .init("sumToShape", op: .sumToShape, inputs: { g in [T.sample([2, 3, 4], &g)] }) { $0[0].summed(toShape: [3, 1]) },
            // Elementwise math.
            .init("exp", op: .exp, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].exp() },
            .init("log", op: .log, inputs: { g in [T.sample([3, 4], &g, in: 0.2..<3)] }) { $0[0].log() },
            .init("sqrt", op: .sqrt, inputs: { g in [T.sample([3, 4], &g, in: 0.2..<3)] }) { $0[0].sqrt() },
            .init("tanh", op: .tanh, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].tanh() },
            .init("sigmoid", op: .sigmoid, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].sigmoid() },
            .init("abs", op: .abs, inputs: { g in [T.sampleAwayFromZero([3, 4], &g)] }) { $0[0].abs() },
            .init("sin", op: .sin, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].sin() },
            .init("cos", op: .cos, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].cos() },
            .init("erf", op: .erf, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].erf() },
            .init("clamp", op: .clamp, inputs: { g in [T.sampleDistinct([3, 4], &g)] }) { $0[0].clamped(min: -0.5, max: 0.6) },
            .init("where", op: .where, inputs: { g in [T.sample([3, 4], &g), T.sample([4], &g)] }) { x in
                T.where(T([1, 0, 0, 1], shape: [4]), x[0], x[1])
            },
            // Activations (inputs away from kinks).
            .init("relu", op: .relu, inputs: { g in [T.sampleAwayFromZero([3, 4], &g)] }) { $0[0].relu() },
            .init("leakyRelu", op: .leakyRelu, inputs: { g in [T.sampleAwayFromZero([3, 4], &g)] }) { $0[0].leakyRelu(negativeSlope: 0.2) },
            .init("elu", op: .elu, inputs: { g in [T.sampleAwayFromZero([3, 4], &g)] }) { $0[0].elu(alpha: 1.3) },
            .init("gelu", op: .gelu, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].gelu() },
            .init("gelu/tanh", op: .geluTanh, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].gelu(approximate: .tanh) },
            .init("silu", op: .silu, inputs: { g in [T.sample([3, 4], &g)] }) { $0[0].silu() },
            .init("softplus", op: .softplus, inputs: { g in [T.sample([3, 4], &g, in: -3..<3)] }) { $0[0].softplus(beta: 2, threshold: 5) },
            // Reductions.
            .init("sum/dim", op: .sum, inputs: { g in [T.sample([2, 3, 4], &g)] }) { $0[0].sum(dim: 1) },
            .init("sum/all", op: .sum, inputs: { g in [T.sample([2, 3], &g)] }) { $0[0].sum() },
            .init("mean/dim-keepdim", op: .sum, inputs: { g in [T.sample([2, 3, 4], &g)] }) { $0[0].mean(dim: -1, keepDim: true) },
            .init("variance/dim", op: .sum, inputs: { g in [T.sample([3, 5], &g)] }) { $0[0].variance(dim: 1) },
            .init("max/dim", op: .max, inputs: { g in [T.sampleDistinct([3, 4, 2], &g)] }) { $0[0].max(dim: 1).values },
            .init("min/all", op: .max, inputs: { g in [T.sampleDistinct([3, 4], &g)] }) { $0[0].min() },
            .init("logSumExp", op: .logSumExp, inputs: { g in [T.sample([3, 5, 2], &g)] }) { $0[0].logSumExp(dim: 1) },
            .init("softmax/last", op: .softmax, inputs: { g in [T.sample([3, 5], &g)] }) { $0[0].softmax(dim: -1) },
            .init("softmax/inner", op: .softmax, inputs: { g in [T.sample([2, 3, 4], &g)] }) { $0[0].softmax(dim: 1) },
            .init("logSoftmax", op: .logSoftmax, inputs: { g in [T.sample([3, 5], &g)] }) { $0[0].logSoftmax(dim: 1) },
            // Shape and indexing.
            .init("reshape", op: .reshape, inputs: { g in [T.sample([2, 6], &g)] }) { $0[0].reshaped([3, -1]) * T.arange(0, 4) },
            .init("permute", op: .permute, inputs: { g in [T.sample([2, 3, 4], &g)] }) { $0[0].permuted([2, 0, 1]) },
            .init("transpose", op: .permute, inputs: { g in [T.sample([3, 5], &g)] }) { $0[0].transposed() },
            .init("slice", op: .slice, inputs: { g in [T.sample([4, 5], &g)] }) { $0[0].sliced(dim: 1, 1..<4) },
            .init("pad", op: .pad, inputs: { g in [T.sample([2, 3], &g)] }) { $0[0].padded(dim: 0, to: 5, offset: 2) },
            .init("concat", op: .concat, inputs: { g in [T.sample([2, 3], &g), T.sample([2, 2], &g)] }) { T.concat($0, dim: 1) },
            .init("stack", op: .concat, inputs: { g in [T.sample([2, 3], &g), T.sample([2, 3], &g)] }) { T.stack($0, dim: 1) },
            .init("split", op: .slice, inputs: { g in [T.sample([5, 2], &g)] }) { x in
                let parts = x[0].split(sizes: [2, 3])
                return parts[0].sum() * parts[1]
            },
            .init("indexSelect", op: .indexSelect, inputs: { g in [T.sample([4, 3], &g)] }) { $0[0].indexSelected(dim: 0, [3, 0, 3, 1]) },
            .init("indexAdd", op: .indexAdd, inputs: { g in [T.sample([4, 3], &g)] }) { $0[0].indexAdded(dim: 0, [2, 0, 2, 1], size: 3) },
            .init("gather", op: .gather, inputs: { g in [T.sample([3, 4], &g)] }) { x in
                x[0].gathered(dim: 1, index: IndexTensor([0, 3, 3, 1, 2, 2], shape: [3, 2]))
            },
            .init("scatterAdd", op: .scatterAdd, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 2], &g)] }) { x in
                x[0].scatterAdding(dim: 1, index: IndexTensor([0, 3, 3, 3, 2, 2], shape: [3, 2]), source: x[1])
            },
            // Linear algebra.
            .init("matmul/2d", op: .matmul, inputs: { g in [T.sample([3, 5], &g), T.sample([5, 4], &g)] }) { $0[0].matmul($0[1]) },
            .init("matmul/batched-broadcast", op: .matmul, inputs: { g in [T.sample([2, 1, 3, 5], &g), T.sample([3, 5, 2], &g)] }) { $0[0].matmul($0[1]) },
            .init("matmul/shared-right", op: .matmul, inputs: { g in [T.sample([2, 3, 5], &g), T.sample([5, 4], &g)] }) { $0[0].matmul($0[1]) },
            .init("matmul/vector", op: .matmul, inputs: { g in [T.sample([5], &g), T.sample([5, 3], &g)] }) { $0[0].matmul($0[1]) },
            .init("batchedMatmul/transposed", op: .matmul, inputs: { g in [T.sample([2, 5, 3], &g), T.sample([2, 4, 5], &g)] }) {
                T.batchedMatmul($0[0], $0[1], true, true)
            },
            .init("matmul/large-directional", op: .matmul, inputs: { g in [T.sample([20, 30], &g), T.sample([30, 17], &g)] }) { $0[0].matmul($0[1]).tanh() },
        ]
    }
}

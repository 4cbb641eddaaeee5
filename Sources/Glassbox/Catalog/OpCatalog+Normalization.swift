import GlassboxKernels

extension OpCatalog {
    /// Entries for `BatchNorm1d`, `BatchNorm2d`, `GroupNorm`, `Dropout2d` and the `batchNorm`
    /// primitive (training-mode normalisation; GroupNorm uses it too). The second-order entry
    /// checks the gradient of the recorded backward (the differentiable closed form). Inputs
    /// with a small spread (|x| < 0.25) make ∂x large (it scales with 1/σ) while the
    /// finite-difference noise of the normalised output stays the same, so every entry passes
    /// the default tolerance with a margin.
    static var normalizationEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        /// Fixed running statistics for evaluation mode.
        let runningMean = T([0.3, -0.2, 0.5]), runningVar = T([0.8, 1.3, 0.6])
        return [
            .init("norm.batchNorm/train-affine", op: .batchNorm, inputs: { g in
                [T.sample([4, 3, 2, 2], &g, in: -0.25..<0.25), T.sample([3], &g), T.sample([3], &g)]
            }) {
                batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true)
            },
            .init("norm.batchNorm/train-2d-no-affine", op: .batchNorm, inputs: { g in [T.sample([5, 3], &g, in: -0.25..<0.25)] }) {
                batchNorm($0[0], runningMean: nil, runningVar: nil, training: true, eps: 0.1)
            },
            .init("norm.batchNorm/eval", op: nil, inputs: { g in
                [T.sample([2, 3, 4], &g), T.sample([3], &g), T.sample([3], &g)]
            }) {
                batchNorm($0[0], runningMean: runningMean, runningVar: runningVar, weight: $0[1], bias: $0[2])
            },
            .init("norm.batchNorm/second-order", op: nil, inputs: { g in
                [T.sample([3, 2, 2, 2], &g, in: -0.25..<0.25), T.sample([2], &g), T.sample([3, 2, 2, 2], &g)]
            }) { x in
                // ∂/∂(x, weight, v) of ∂⟨batchNorm(x), v⟩/∂x: the recorded closed-form backward.
                withGrad {
                    let y = batchNorm(x[0], runningMean: nil, runningVar: nil, weight: x[1], bias: nil, training: true)
                    return T.gradients(of: (y * x[2]).sum(), withRespectTo: [x[0]], createGraph: true)[0]
                }
            },
            .init("norm.groupNorm", op: .batchNorm, inputs: { g in
                [T.sample([2, 4, 3, 2], &g, in: -0.25..<0.25), T.sample([4], &g), T.sample([4], &g)]
            }) {
                groupNorm($0[0], numGroups: 2, weight: $0[1], bias: $0[2])
            },
            .init("norm.layerNorm", op: .layerNorm, inputs: { g in
                [T.sample([2, 3, 5], &g, in: -0.25..<0.25), T.sample([5], &g), T.sample([5], &g)]
            }) {
                layerNorm($0[0], normalizedShape: [5], weight: $0[1], bias: $0[2])
            },
            // More rows than one block of the backward's column sums (64).
            .init("norm.layerNorm/many-rows", op: .layerNorm, inputs: { g in
                [T.sample([67, 3], &g, in: -0.25..<0.25), T.sample([3], &g), T.sample([3], &g)]
            }) {
                layerNorm($0[0], normalizedShape: [3], weight: $0[1], bias: $0[2])
            },
            .init("norm.layerNorm/bias-only", op: .layerNorm, inputs: { g in
                [T.sample([4, 6], &g, in: -0.25..<0.25), T.sample([6], &g)]
            }) {
                layerNorm($0[0], normalizedShape: [6], bias: $0[1])
            },
            .init("norm.layerNorm/second-order", op: nil, inputs: { g in
                [T.sample([3, 4], &g, in: -0.25..<0.25), T.sample([4], &g), T.sample([3, 4], &g)]
            }) { x in
                // ∂/∂(x, weight, v) of ∂⟨layerNorm(x), v⟩/∂x.
                withGrad {
                    let y = layerNorm(x[0], normalizedShape: [4], weight: x[1])
                    return T.gradients(of: (y * x[2]).sum(), withRespectTo: [x[0]], createGraph: true)[0]
                }
            },

            // Layers.
            .init("nn.LayerNorm/two-dims", op: nil, inputs: { g in [T.sample([2, 2, 3], &g, in: -0.25..<0.25)] }) {
                LayerNorm<Double>(normalizedShape: [2, 3], elementwiseAffine: false)($0[0]) * T.arange(0, 6).reshaped([2, 3])
            },
            .init("nn.BatchNorm2d/train", op: nil, inputs: { g in [T.sample([3, 3, 2, 3], &g, in: -0.25..<0.25)] }) {
                BatchNorm2d<Double>(numFeatures: 3)($0[0])
            },
            .init("nn.BatchNorm1d/eval", op: nil, inputs: { g in [T.sample([4, 3, 2], &g)] }) { x in
                let layer = BatchNorm1d<Double>(numFeatures: 3, momentum: nil).eval()
                layer.runningMean!.assign(runningMean)
                layer.runningVar!.assign(runningVar)
                return layer(x[0])
            },
            .init("nn.GroupNorm/no-affine", op: nil, inputs: { g in [T.sample([2, 6, 5], &g, in: -0.25..<0.25)] }) {
                GroupNorm<Double>(numGroups: 3, numChannels: 6, affine: false)($0[0])
            },
            .init("channelAffine", op: .channelAffine, inputs: { g in [T.sample([2, 3, 5], &g), T.sample([3], &g), T.sample([3], &g)] }) {
                channelAffine($0[0], weight: $0[1], bias: $0[2])
            },
            .init("channelAffine/weight-only-4d", op: .channelAffine, inputs: { g in [T.sample([2, 2, 3, 2], &g), T.sample([2], &g)] }) {
                channelAffine($0[0], weight: $0[1], bias: nil)
            },
            .init("channelAffineSiLU", op: .channelAffineSiLU, inputs: { g in [T.sample([2, 3, 5], &g), T.sample([3], &g), T.sample([3], &g)] }) {
                channelAffineSiLU($0[0], weight: $0[1], bias: $0[2])
            },
            .init("norm.groupNorm/silu", op: nil, inputs: { g in
                [T.sample([2, 4, 3, 2], &g, in: -0.25..<0.25), T.sample([4], &g), T.sample([4], &g)]
            }) {
                groupNorm($0[0], numGroups: 2, weight: $0[1], bias: $0[2], activation: .silu)
            },
            .init("nn.Dropout2d/train-fixed-generator", op: nil, inputs: { g in [T.sample([3, 4, 2, 2], &g)] }) {
                Dropout2d<Double>(p: 0.4, generator: RandomGenerator(seed: 3))($0[0])
            },
            .init("nn.dropout2d/eval", op: nil, inputs: { g in [T.sample([2, 3, 4], &g)] }) {
                dropout2d($0[0], p: 0.4, training: false) * 2
            },
        ]
    }
}

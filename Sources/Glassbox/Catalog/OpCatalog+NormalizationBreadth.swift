import GlassboxKernels

extension OpCatalog {
    /// Entries for `instanceNorm` (training and evaluation), `rmsNorm`, `localResponseNorm` and
    /// the layers `BatchNorm3d`, `InstanceNorm1d/2d/3d`, `RMSNorm`, `LocalResponseNorm`. All are
    /// compositions of catalogued primitives (`batchNorm`, arithmetic, `pad`, `slice`), so
    /// `op` is `nil`; inputs with a small spread keep the finite differences accurate (see
    /// ``normalizationEntries``).
    static var normalizationBreadthEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("norm.instanceNorm/affine", op: nil, inputs: { g in
                [T.sample([2, 3, 4], &g, in: -0.25..<0.25), T.sample([3], &g), T.sample([3], &g)]
            }) {
                instanceNorm($0[0], weight: $0[1], bias: $0[2])
            },
            .init("norm.instanceNorm/running-eval", op: nil, inputs: { g in
                [T.sample([2, 3, 2, 2], &g), T.sample([3], &g), T.sample([3], &g)]
            }) {
                instanceNorm(
                    $0[0], runningMean: T([0.3, -0.2, 0.5]), runningVar: T([0.8, 1.3, 0.6]), weight: $0[1], bias: $0[2],
                    useInputStats: false)
            },
            .init("norm.instanceNorm/second-order", op: nil, inputs: { g in
                [T.sample([2, 2, 3], &g, in: -0.25..<0.25), T.sample([2], &g), T.sample([2, 2, 3], &g)]
            }) { x in
                withGrad {
                    let y = instanceNorm(x[0], weight: x[1])
                    return T.gradients(of: (y * x[2]).sum(), withRespectTo: [x[0]], createGraph: true)[0]
                }
            },
            .init("norm.rmsNorm", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([4], &g)] }) {
                rmsNorm($0[0], normalizedShape: [4], weight: $0[1], eps: 1e-3)
            },
            .init("norm.rmsNorm/two-dims-default-eps", op: nil, inputs: { g in [T.sample([2, 2, 3], &g)] }) {
                rmsNorm($0[0], normalizedShape: [2, 3])
            },
            .init("norm.localResponseNorm/size3", op: nil, inputs: { g in [T.sample([2, 5, 3], &g)] }) {
                localResponseNorm($0[0], size: 3, alpha: 0.5, beta: 0.75, k: 1.5)
            },
            .init("norm.localResponseNorm/size2-4d", op: nil, inputs: { g in [T.sample([1, 4, 2, 2], &g)] }) {
                localResponseNorm($0[0], size: 2, alpha: 0.3, beta: 0.6, k: 2)
            },

            // Layers.
            .init("nn.BatchNorm3d/train", op: nil, inputs: { g in [T.sample([2, 2, 2, 2, 2], &g, in: -0.25..<0.25)] }) {
                BatchNorm3d<Double>(numFeatures: 2)($0[0])
            },
            .init("nn.InstanceNorm1d/unbatched", op: nil, inputs: { g in [T.sample([3, 5], &g, in: -0.25..<0.25)] }) {
                InstanceNorm1d<Double>(numFeatures: 3)($0[0]) * T.arange(0, 5)
            },
            .init("nn.InstanceNorm3d/tracked-train", op: nil, inputs: { g in [T.sample([2, 2, 2, 1, 2], &g, in: -0.25..<0.25)] }) {
                InstanceNorm3d<Double>(numFeatures: 2, affine: true, trackRunningStats: true)($0[0]) * T.arange(0, 2)
            },
            .init("nn.InstanceNorm2d/tracked-eval", op: nil, inputs: { g in [T.sample([1, 2, 2, 3], &g)] }) {
                InstanceNorm2d<Double>(numFeatures: 2, trackRunningStats: true).eval()($0[0])
            },
            .init("nn.RMSNorm", op: nil, inputs: { g in [T.sample([2, 3, 4], &g)] }) {
                RMSNorm<Double>(normalizedShape: [4], eps: 1e-4)($0[0]) * T.arange(0, 4)
            },
            .init("nn.LocalResponseNorm", op: nil, inputs: { g in [T.sample([2, 4, 3], &g)] }) {
                LocalResponseNorm<Double>(size: 3, alpha: 0.2)($0[0])
            },
        ]
    }
}

import GlassboxKernels

extension OpCatalog {
    /// Entries for the activations of `Ops/Activations+More.swift` and their layers (all
    /// `op: nil`: they are composed of primitives and gradchecked end to end). Inputs sit at
    /// least 0.05 away from each function's kinks, so central differences are valid.
    static var activationEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        /// Spread-out values (−3.6…3.6 for the default scale), pushed away from the kinks.
        func sample(_ shape: [Int], _ g: inout RandomGenerator, scale: Double = 2, kinks: [Double] = []) -> T {
            let t = T.randn(shape, generator: &g) * scale
            t.withUnsafeMutableBufferPointer { p in
                for i in p.indices {
                    for k in kinks where Swift.abs(p[i] - k) < 0.05 { p[i] = k + (p[i] < k ? -0.05 : 0.05) }
                }
            }
            t.requiresGrad = true
            return t
        }
        return [
            .init("activation.hardtanh", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [-0.5, 1.5])] }) {
                $0[0].hardtanh(minVal: -0.5, maxVal: 1.5)
            },
            .init("activation.relu6", op: nil, inputs: { g in [sample([3, 5], &g, scale: 4, kinks: [0, 6])] }) { ReLU6<Double>()($0[0]) },
            .init("activation.hardswish", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [-3, 3])] }) {
                Hardswish<Double>()($0[0])
            },
            .init("activation.hardsigmoid", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [-3, 3])] }) {
                Hardsigmoid<Double>()($0[0])
            },
            .init("activation.mish", op: nil, inputs: { g in [sample([3, 5], &g)] }) { Mish<Double>()($0[0]) },
            .init("activation.selu", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [0])] }) { SELU<Double>()($0[0]) },
            .init("activation.celu", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [0])] }) { CELU<Double>(alpha: 0.6)($0[0]) },
            .init("activation.glu", op: nil, inputs: { g in [sample([2, 4, 3], &g)] }) { GLU<Double>(dim: 1)($0[0]) },
            .init("activation.logSigmoid", op: nil, inputs: { g in [sample([3, 5], &g)] }) { LogSigmoid<Double>()($0[0]) },
            .init("activation.softsign", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [0])] }) { Softsign<Double>()($0[0]) },
            .init("activation.softshrink", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [-1.2, 1.2])] }) {
                Softshrink<Double>(lambd: 1.2)($0[0])
            },
            .init("activation.hardshrink", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [-0.8, 0.8])] }) {
                Hardshrink<Double>(lambd: 0.8)($0[0])
            },
            .init("activation.tanhshrink", op: nil, inputs: { g in [sample([3, 5], &g)] }) { Tanhshrink<Double>()($0[0]) },
            .init("activation.threshold", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [0.3])] }) {
                Threshold<Double>(threshold: 0.3, value: -2)($0[0])
            },
            .init("activation.softmin", op: nil, inputs: { g in [sample([3, 5], &g)] }) { Softmin<Double>(dim: 1)($0[0]) },
            .init("activation.softmax2d", op: nil, inputs: { g in [sample([2, 3, 2, 2], &g)] }) { Softmax2d<Double>()($0[0]) },
            .init("activation.prelu/channels", op: nil, inputs: { g in [sample([2, 3, 4], &g, kinks: [0]), sample([3], &g, scale: 0.3)] }) {
                $0[0].prelu(weight: $0[1])
            },
            .init("activation.prelu/shared", op: nil, inputs: { g in [sample([4, 5], &g, kinks: [0]), sample([1], &g, scale: 0.3)] }) {
                PReLU(weight: $0[1])($0[0])
            },
            .init("activation.RReLU/eval", op: nil, inputs: { g in [sample([3, 5], &g, kinks: [0])] }) {
                RReLU<Double>(lower: 0.05, upper: 0.4).eval()($0[0])
            },
        ]
    }
}

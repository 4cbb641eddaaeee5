import GlassboxKernels

extension OpCatalog {
    /// Entries for `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, `Upsample` and their
    /// primitives. Max-pooling inputs are distinct and well separated (no ties, so the argmax
    /// does not move under the finite-difference step); the other ops are linear. Second-order
    /// entries check the gradient of the backward itself (its graph records the adjoint
    /// primitives).
    static var poolingEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        /// A fixed per-plane map from 2×2 outputs into 4×4 planes, with repeated positions (the
        /// scatter must accumulate them), for the gather and scatter primitives on their own.
        let map = PlaneIndexMap(
            inputSize: [4, 4], outputSize: [2, 2], indices: (0..<24).map { Int32(($0 * 7 + $0 / 4) % 16) / 2 }, shared: false)
        /// The gradient of `Σ f(x) ⊙ w`, recorded (for second-order checks; with grad mode on
        /// even when gradcheck evaluates the function inside `withoutGrad`).
        func gradient(_ f: (T) -> T, at x: T, weights: T) -> T {
            withGrad { T.gradients(of: (f(x) * weights).sum(), withRespectTo: [x], createGraph: true)[0] }
        }
        return [
            // Max pooling.
            .init("pool.maxPool2d/k2", op: .maxPool2d, inputs: { g in [T.sampleDistinct([2, 3, 4, 6], &g)] }) {
                maxPool2d($0[0], kernelSize: 2)
            },
            .init("pool.maxPool2d/k3-s2-p1-d2-ceil", op: .maxPool2d, inputs: { g in [T.sampleDistinct([1, 2, 7, 8], &g)] }) {
                maxPool2d($0[0], kernelSize: (3, 2), stride: (2, 1), padding: (1, 1), dilation: (2, 1), ceilMode: true)
            },
            .init("pool.maxPool2d/overlapping-unbatched", op: .maxPool2d, inputs: { g in [T.sampleDistinct([2, 5, 5], &g)] }) {
                maxPool2d($0[0], kernelSize: 3, stride: 1)
            },
            .init("pool.planeGather", op: .planeGather, inputs: { g in [T.sample([2, 3, 4, 4], &g)] }) {
                $0[0].planeGathered(map)
            },
            .init("pool.planeScatterAdd", op: .planeScatterAdd, inputs: { g in [T.sample([2, 3, 2, 2], &g)] }) {
                $0[0].planeScatterAdded(map)
            },
            .init("pool.maxPool2d/second-order", op: .planeScatterAdd, inputs: { g in
                [T.sampleDistinct([1, 2, 5, 5], &g), T.sample([1, 2, 2, 2], &g)]
            }) { x in
                // The gradient scatter(w) is linear in w and piecewise constant in x; the product
                // with x makes both inputs matter.
                gradient({ maxPool2d($0, kernelSize: 2, stride: 2, ceilMode: false) }, at: x[0], weights: x[1]) * x[0]
            },

            // Average pooling.
            .init("pool.avgPool2d/k2", op: .avgPool2d, inputs: { g in [T.sample([2, 3, 4, 6], &g)] }) {
                avgPool2d($0[0], kernelSize: 2)
            },
            .init("pool.avgPool2d/k3-s2-p1-ceil", op: .avgPool2d, inputs: { g in [T.sample([1, 2, 6, 7], &g)] }) {
                avgPool2d($0[0], kernelSize: 3, stride: 2, padding: 1, ceilMode: true)
            },
            .init("pool.avgPool2d/exclude-pad-unbatched", op: .avgPool2d, inputs: { g in [T.sample([2, 5, 6], &g)] }) {
                avgPool2d($0[0], kernelSize: (3, 2), stride: (1, 2), padding: (1, 1), countIncludePad: false)
            },
            .init("pool.avgPool2d/divisor-override", op: .avgPool2d, inputs: { g in [T.sample([1, 2, 5, 5], &g)] }) {
                avgPool2d($0[0], kernelSize: 2, stride: 1, divisorOverride: 3)
            },
            .init("pool.avgPool2dBackward", op: .avgPool2dBackward, inputs: { g in [T.sample([1, 2, 5, 5], &g), T.sample([1, 2, 3, 3], &g)] }) { x in
                gradient({ avgPool2d($0, kernelSize: 3, stride: 2, padding: 1, ceilMode: true) }, at: x[0], weights: x[1])
            },
            .init("pool.adaptiveAvgPool2d/non-divisible", op: .adaptiveAvgPool2d, inputs: { g in [T.sample([2, 2, 7, 5], &g)] }) {
                adaptiveAvgPool2d($0[0], outputSize: (3, 4))
            },
            .init("pool.adaptiveAvgPool2d/global-unbatched", op: .adaptiveAvgPool2d, inputs: { g in [T.sample([3, 4, 5], &g)] }) {
                adaptiveAvgPool2d($0[0], outputSize: 1)
            },
            .init("pool.adaptiveAvgPool2d/second-order", op: .avgPool2dBackward, inputs: { g in
                [T.sample([1, 2, 5, 7], &g), T.sample([1, 2, 2, 3], &g)]
            }) { x in
                gradient({ adaptiveAvgPool2d($0, outputSize: (2, 3)) }, at: x[0], weights: x[1])
            },

            // Nearest upsampling.
            .init("pool.upsampleNearest/scale2", op: .upsampleNearest2d, inputs: { g in [T.sample([2, 2, 3, 4], &g)] }) {
                upsampleNearest($0[0], scaleFactor: 2)
            },
            .init("pool.upsampleNearest/size", op: .upsampleNearest2d, inputs: { g in [T.sample([1, 2, 4, 5], &g)] }) {
                upsampleNearest($0[0], size: (7, 3))
            },
            .init("pool.Upsample/scale-1.7", op: .upsampleNearest2d, inputs: { g in [T.sample([1, 2, 3, 4], &g)] }) {
                Upsample<Double>(scaleFactor: (1.7, 2.5))($0[0])
            },

            // Layers.
            .init("nn.MaxPool2d", op: nil, inputs: { g in [T.sampleDistinct([2, 2, 6, 6], &g)] }) {
                MaxPool2d<Double>(kernelSize: 3, stride: 2, padding: 1)($0[0])
            },
            .init("nn.AvgPool2d", op: nil, inputs: { g in [T.sample([2, 2, 5, 5], &g)] }) {
                AvgPool2d<Double>(kernelSize: 2, ceilMode: true, countIncludePad: false)($0[0])
            },
            .init("nn.AdaptiveAvgPool2d", op: nil, inputs: { g in [T.sample([2, 2, 5, 6], &g)] }) {
                AdaptiveAvgPool2d<Double>(outputSize: (nil, 4))($0[0])
            },
        ]
    }
}

import GlassboxKernels

extension OpCatalog {
    /// Entries for `conv2d`, `convTranspose2d`, `conv2dWeightGradient` (every argument:
    /// stride, padding explicit and `'same'`, dilation, groups, bias or none, unbatched input,
    /// output padding), the `Conv2d` and `ConvTranspose2d` layers, and second derivatives
    /// through each primitive (gradients taken inside the function with `createGraph`). All are
    /// linear or smooth; the default tolerance holds except where noted.
    static var convolutionEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("conv2d/bias", op: .conv2d, inputs: { g in [T.sample([2, 2, 4, 5], &g), T.sample([3, 2, 3, 3], &g), T.sample([3], &g)] }) {
                conv2d($0[0], weight: $0[1], bias: $0[2])
            },
            .init("conv2d/stride-padding", op: .conv2d, inputs: { g in [T.sample([2, 3, 6, 5], &g), T.sample([2, 3, 3, 2], &g), T.sample([2], &g)] }) {
                conv2d($0[0], weight: $0[1], bias: $0[2], stride: [2, 1], padding: [1, 2])
            },
            .init("conv2d/same-odd-dilated", op: .conv2d, inputs: { g in [T.sample([1, 2, 6, 5], &g), T.sample([3, 2, 3, 3], &g)] }) {
                conv2d($0[0], weight: $0[1], padding: .same, dilation: [2, 1])
            },
            .init("conv2d/same-even", op: .conv2d, inputs: { g in [T.sample([2, 2, 5, 4], &g), T.sample([2, 2, 2, 4], &g), T.sample([2], &g)] }) {
                conv2d($0[0], weight: $0[1], bias: $0[2], padding: .same)
            },
            .init("conv2d/valid-dilation-no-bias", op: .conv2d, inputs: { g in [T.sample([2, 2, 7, 6], &g), T.sample([3, 2, 2, 3], &g)] }) {
                conv2d($0[0], weight: $0[1], padding: .valid, dilation: [3, 2])
            },
            .init("conv2d/groups", op: .conv2d, inputs: { g in [T.sample([2, 4, 5, 5], &g), T.sample([6, 2, 3, 3], &g), T.sample([6], &g)] }) {
                conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, groups: 2)
            },
            .init("conv2d/unbatched", op: .conv2d, inputs: { g in [T.sample([3, 5, 4], &g), T.sample([2, 3, 3, 3], &g), T.sample([2], &g)] }) {
                conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1)
            },
            .init("convTranspose2d/stride-outputPadding", op: .convTranspose2d, inputs: { g in
                [T.sample([2, 3, 3, 4], &g), T.sample([3, 2, 3, 3], &g), T.sample([2], &g)]
            }) {
                convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
            },
            .init("convTranspose2d/groups-dilation", op: .convTranspose2d, inputs: { g in
                [T.sample([1, 4, 3, 3], &g), T.sample([4, 1, 2, 3], &g), T.sample([2], &g)]
            }) {
                convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: [1, 2], padding: [0, 1], groups: 2, dilation: 2)
            },
            .init("convTranspose2d/unbatched-no-bias", op: .convTranspose2d, inputs: { g in [T.sample([2, 3, 3], &g), T.sample([2, 3, 4, 4], &g)] }) {
                convTranspose2d($0[0], weight: $0[1], stride: 2, padding: 1)
            },
            .init("conv2dWeightGradient/stride-padding", op: .conv2dWeightGradient, inputs: { g in
                [T.sample([2, 3, 5, 5], &g), T.sample([2, 2, 3, 3], &g)]
            }) {
                conv2dWeightGradient($0[0], weightShape: [2, 3, 2, 2], gradOutput: $0[1], stride: 2, padding: 1)
            },
            .init("conv2dWeightGradient/groups-same", op: .conv2dWeightGradient, inputs: { g in
                [T.sample([1, 4, 4, 5], &g), T.sample([1, 2, 4, 5], &g)]
            }) {
                conv2dWeightGradient($0[0], weightShape: [2, 2, 3, 2], gradOutput: $0[1], padding: .same, groups: 2)
            },
            // Layers.
            .init("nn.Conv2d/module", op: nil, inputs: { g in [T.sample([2, 2, 5, 5], &g), T.sample([3, 2, 3, 3], &g), T.sample([3], &g)] }) {
                Conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: .explicit(height: 1, width: 0))($0[0]).tanh()
            },
            .init("nn.ConvTranspose2d/module", op: nil, inputs: { g in [T.sample([1, 2, 2, 3], &g), T.sample([2, 3, 3, 3], &g), T.sample([3], &g)] }) {
                ConvTranspose2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)($0[0]).tanh()
            },
            // Second derivatives: a gradient taken with createGraph inside the function. The
            // functions sum squared gradients of size ~1 (|f| ≈ 10²), so the finite differences
            // carry ~10⁻⁸ of rounding: 10⁻⁵ relative on components near 10⁻².
            .init("conv2d/second-order/input-gradient-norm", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([1, 2, 4, 4], &g), T.sample([2, 2, 3, 3], &g), T.sample([2], &g)]
            }) { p in
                withGrad {
                    let f = conv2d(p[0], weight: p[1], bias: p[2], padding: 1).tanh().sum()
                    return T.gradients(of: f, withRespectTo: [p[0]], createGraph: true)[0].squared().sum()
                }
            },
            .init("conv2d/second-order/weight-gradient-norm", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([1, 2, 4, 4], &g), T.sample([2, 2, 2, 2], &g)]
            }) { p in
                withGrad {
                    let f = conv2d(p[0], weight: p[1], stride: 2, padding: 1).tanh().sum()
                    return T.gradients(of: f, withRespectTo: [p[1]], createGraph: true)[0].squared().sum()
                }
            },
            .init("convTranspose2d/second-order/gradient-norms", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([1, 2, 3, 3], &g), T.sample([2, 1, 3, 3], &g), T.sample([1], &g)]
            }) { p in
                withGrad {
                    let f = convTranspose2d(p[0], weight: p[1], bias: p[2], stride: 2).tanh().sum()
                    let grads = T.gradients(of: f, withRespectTo: [p[0], p[1]], createGraph: true)
                    return grads[0].squared().sum() + grads[1].squared().sum()
                }
            },
        ]
    }
}

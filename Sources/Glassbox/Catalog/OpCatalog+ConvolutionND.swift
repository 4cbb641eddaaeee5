import GlassboxKernels

extension OpCatalog {
    /// Entries for the 1-d and 3-d convolutions (composed of the 2-d primitives, `indexSelect`,
    /// `indexAdd`, `pad`, `permute`: composite, `op == nil`), the layers with a non-zero
    /// `paddingMode`, and a second derivative through `conv3d`.
    static var convolutionNDEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("conv1d/stride-padding-dilation-groups", op: nil, inputs: { g in
                [T.sample([2, 4, 9], &g), T.sample([6, 2, 3], &g), T.sample([6], &g)]
            }) {
                conv1d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 2, dilation: 2, groups: 2)
            },
            .init("conv1d/same-unbatched", op: nil, inputs: { g in [T.sample([2, 6], &g), T.sample([3, 2, 4], &g)] }) {
                conv1d($0[0], weight: $0[1], padding: .same)
            },
            .init("convTranspose1d/stride-outputPadding", op: nil, inputs: { g in
                [T.sample([2, 3, 4], &g), T.sample([3, 2, 3], &g), T.sample([2], &g)]
            }) {
                convTranspose1d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
            },
            .init("conv3d/stride-padding-dilation-groups", op: nil, inputs: { g in
                [T.sample([1, 4, 4, 5, 4], &g), T.sample([2, 2, 2, 3, 2], &g), T.sample([2], &g)]
            }) {
                conv3d($0[0], weight: $0[1], bias: $0[2], stride: [2, 1, 2], padding: [1, 1, 0], dilation: [1, 2, 1], groups: 2)
            },
            .init("conv3d/same-unbatched", op: nil, inputs: { g in [T.sample([2, 3, 3, 4], &g), T.sample([2, 2, 3, 2, 3], &g)] }) {
                conv3d($0[0], weight: $0[1], padding: .same, dilation: [2, 1, 1])
            },
            // 120 outputs of size ~1: the finite differences carry ~10⁻⁸ of rounding, 10⁻⁵ on
            // the gradcheck's scale for components near 10⁻³ (measured 1.04·10⁻⁵).
            .init("convTranspose3d/stride-outputPadding-groups", op: nil, tolerance: 1e-4, inputs: { g in
                [T.sample([1, 4, 2, 3, 2], &g), T.sample([4, 1, 2, 3, 2], &g), T.sample([2], &g)]
            }) {
                convTranspose3d(
                    $0[0], weight: $0[1], bias: $0[2], stride: [2, 2, 1], padding: [1, 1, 0], outputPadding: [1, 0, 0], groups: 2,
                    dilation: [1, 1, 2])
            },
            .init("nn.Conv1d/reflect", op: nil, inputs: { g in [T.sample([2, 2, 5], &g), T.sample([3, 2, 3], &g), T.sample([3], &g)] }) {
                Conv1d(weight: $0[1], bias: $0[2], padding: 2, paddingMode: .reflect)($0[0]).tanh()
            },
            .init("nn.Conv2d/circular-same", op: nil, inputs: { g in [T.sample([1, 2, 4, 5], &g), T.sample([2, 2, 2, 3], &g)] }) {
                Conv2d(weight: $0[1], bias: nil, padding: .same, paddingMode: .circular)($0[0]).tanh()
            },
            .init("nn.Conv3d/replicate", op: nil, inputs: { g in [T.sample([1, 1, 3, 3, 3], &g), T.sample([2, 1, 2, 3, 2], &g)] }) {
                Conv3d(weight: $0[1], bias: nil, padding: [1, 1, 0], paddingMode: .replicate)($0[0]).tanh()
            },
            .init("nn.ConvTranspose3d/module", op: nil, inputs: { g in [T.sample([1, 2, 2, 2, 2], &g), T.sample([2, 2, 2, 2, 2], &g), T.sample([2], &g)] }) {
                ConvTranspose3d(weight: $0[1], bias: $0[2], stride: [2])($0[0]).tanh()
            },
            .init("conv3d/second-order/gradient-norms", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([1, 2, 3, 3, 3], &g), T.sample([2, 2, 2, 2, 2], &g)]
            }) { p in
                withGrad {
                    let f = conv3d(p[0], weight: p[1], padding: 1).tanh().sum()
                    let grads = T.gradients(of: f, withRespectTo: [p[0], p[1]], createGraph: true)
                    return grads[0].squared().sum() + grads[1].squared().sum()
                }
            },
        ]
    }
}

import GlassboxKernels

extension OpCatalog {
    /// Entries for ``pad(_:_:mode:value:)`` in each mode (1-d, 2-d and 3-d, negative amounts,
    /// unbatched), the padding layers, and a second derivative through reflect padding. `pad` is
    /// composed of `slice`, `pad`, `indexSelect` and `add`, so these entries are composite
    /// (`op == nil`).
    static var paddingEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("pad/constant-value-crop", op: nil, inputs: { g in [T.sample([2, 2, 4, 5], &g)] }) {
                pad($0[0], [-1, 2, 1, -2], value: 0.5)
            },
            .init("pad/constant-3d", op: nil, inputs: { g in [T.sample([1, 2, 2, 3, 2], &g)] }) {
                pad($0[0], [1, 1, 0, 2, 1, 0])
            },
            .init("pad/reflect-1d", op: nil, inputs: { g in [T.sample([2, 3, 5], &g)] }) {
                pad($0[0], [3, 1], mode: .reflect)
            },
            .init("pad/reflect-2d-crop", op: nil, inputs: { g in [T.sample([1, 2, 4, 5], &g)] }) {
                pad($0[0], [2, -1, -1, 3], mode: .reflect)
            },
            .init("pad/replicate-3d", op: nil, inputs: { g in [T.sample([1, 2, 2, 3, 3], &g)] }) {
                pad($0[0], [2, 1, 0, 1, 1, 2], mode: .replicate)
            },
            .init("pad/circular-2d", op: nil, inputs: { g in [T.sample([2, 2, 3, 4], &g)] }) {
                pad($0[0], [1, 2, 3, 0], mode: .circular)
            },
            .init("pad/circular-crop", op: nil, inputs: { g in [T.sample([2, 5], &g)] }) {
                pad($0[0], [-1, 2], mode: .circular)
            },
            .init("nn.ReflectionPad2d", op: nil, inputs: { g in [T.sample([2, 4, 3], &g)] }) {
                ReflectionPad2d<Double>(padding: 2)($0[0])
            },
            .init("nn.ConstantPad1d", op: nil, inputs: { g in [T.sample([2, 3, 4], &g)] }) {
                ConstantPad1d<Double>(padding: [2, 1], value: -1)($0[0])
            },
            .init("pad/second-order/reflect", op: nil, tolerance: 1e-5, inputs: { g in [T.sample([1, 2, 4], &g)] }) { p in
                withGrad {
                    let f = pad(p[0], [2, 3], mode: .reflect).tanh().sum()
                    return T.gradients(of: f, withRespectTo: [p[0]], createGraph: true)[0].squared().sum()
                }
            },
        ]
    }
}

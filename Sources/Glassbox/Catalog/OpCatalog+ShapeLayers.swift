import GlassboxKernels

extension OpCatalog {
    /// Entries for `pixelShuffle`, `pixelUnshuffle`, `channelShuffle`, `unfold` and `fold`:
    /// compositions of `reshape`, `permute`, `pad`, `slice`, `planeGather` and `planeScatterAdd`,
    /// so `op` is `nil`. Each output is multiplied by a fixed ramp so that a wrong permutation
    /// of the gradient shows.
    static var shapeLayerEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        func ramp(_ shape: [Int]) -> T { T.arange(0, Double(shape.reduce(1, *))).reshaped(shape) }
        return [
            .init("shape.pixelShuffle", op: nil, inputs: { g in [T.sample([2, 8, 2, 3], &g)] }) {
                pixelShuffle($0[0], upscaleFactor: 2) * ramp([2, 2, 4, 6])
            },
            .init("shape.pixelUnshuffle/3d", op: nil, inputs: { g in [T.sample([2, 6, 3], &g)] }) {
                pixelUnshuffle($0[0], downscaleFactor: 3) * ramp([18, 2, 1])
            },
            .init("shape.channelShuffle", op: nil, inputs: { g in [T.sample([2, 6, 2], &g)] }) {
                channelShuffle($0[0], groups: 3) * ramp([2, 6, 2])
            },
            .init("shape.unfold/padding-stride-dilation", op: nil, inputs: { g in [T.sample([1, 2, 4, 5], &g)] }) {
                let y = unfold($0[0], kernelSize: [2, 3], dilation: [1, 2], padding: [1, 1], stride: [2, 1])
                return y * ramp(y.shape)
            },
            .init("shape.fold/overlapping", op: nil, inputs: { g in [T.sample([2, 4, 6], &g)] }) {
                fold($0[0], outputSize: [3, 4], kernelSize: 2) * ramp([2, 1, 3, 4])
            },
            .init("nn.Fold/unbatched-padding", op: nil, inputs: { g in [T.sample([4, 12], &g)] }) {
                Fold<Double>(outputSize: [4, 5], kernelSize: [1, 2], padding: [0, 1], stride: [1, 2])($0[0]) * ramp([2, 4, 5])
            },
        ]
    }
}

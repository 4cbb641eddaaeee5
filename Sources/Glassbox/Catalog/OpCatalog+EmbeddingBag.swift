import GlassboxKernels

extension OpCatalog {
    /// Entries for ``embeddingBag(_:weight:offsets:mode:perSampleWeights:includeLastOffset:paddingIdx:)``
    /// (a composite, `op: nil`): each mode, offsets with an empty bag, padding, and the
    /// per-sample weights checked together with the table. Tables come from `sampleDistinct`
    /// so that `max` has no ties.
    static var embeddingBagEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        let flat = IndexTensor([1, 4, 0, 4, 2, 5, 3, 1])
        let grid = IndexTensor([0, 3, 5, 2, 2, 1], shape: [2, 3])
        return [
            .init("nn.embeddingBag/sum-offsets-weights", op: nil, inputs: { g in [T.sample([6, 3], &g), T.sample([8], &g)] }) {
                embeddingBag(flat, weight: $0[0], offsets: [0, 3, 3, 6], mode: .sum, perSampleWeights: $0[1])
            },
            .init("nn.embeddingBag/mean-padding", op: nil, inputs: { g in [T.sample([6, 3], &g)] }) {
                embeddingBag(grid, weight: $0[0], mode: .mean, paddingIdx: 2)
            },
            .init("nn.embeddingBag/max-include-last-offset", op: nil, inputs: { g in [T.sampleDistinct([6, 3], &g)] }) {
                embeddingBag(flat, weight: $0[0], offsets: [0, 2, 5, 8], mode: .max, includeLastOffset: true)
            },
        ]
    }
}

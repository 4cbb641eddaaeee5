import GlassboxKernels

extension OpCatalog {
    /// Entries for the two-input layers (composites, `op: nil`): cosine similarity, the p-norm
    /// pairwise distance and the bilinear form, gradchecked end to end in both inputs and the
    /// parameters. Differences sit away from zero where the norm has a kink (p ≤ 1).
    static var twoInputEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("nn.cosineSimilarity", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g)] }) {
                cosineSimilarity($0[0], $0[1])
            },
            .init("nn.cosineSimilarity/dim0-broadcast", op: nil, inputs: { g in [T.sample([3, 2, 4], &g), T.sample([3, 1, 4], &g)] }) {
                cosineSimilarity($0[0], $0[1], dim: 0, eps: 1e-6)
            },
            .init("nn.pairwiseDistance/p2", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g)] }) {
                pairwiseDistance($0[0], $0[1])
            },
            .init("nn.pairwiseDistance/p3-keepdim-broadcast", op: nil, inputs: { g in [T.sample([2, 3, 4], &g), T.sample([4], &g)] }) {
                pairwiseDistance($0[0], $0[1], p: 3, eps: 1e-3, keepDim: true)
            },
            .init("nn.pairwiseDistance/p1", op: nil, inputs: { g in [T.sampleAwayFromZero([3, 4], &g)] }) {
                pairwiseDistance($0[0], T.zeros([3, 4]), p: 1, eps: 0)
            },
            .init("nn.pairwiseDistance/p0.5", op: nil, inputs: { g in [T.sampleAwayFromZero([2, 5], &g)] }) {
                pairwiseDistance($0[0], T.zeros([2, 5]), p: 0.5, eps: 0)
            },
            .init("nn.pairwiseDistance/inf", op: nil, inputs: { g in [T.sampleDistinct([3, 4], &g)] }) {
                pairwiseDistance($0[0], T.zeros([3, 4]), p: .infinity, eps: 0)
            },
            .init("nn.bilinear", op: nil, inputs: { g in
                [T.sample([2, 3, 2], &g), T.sample([2, 3, 4], &g), T.sample([5, 2, 4], &g), T.sample([5], &g)]
            }) {
                bilinear($0[0], $0[1], weight: $0[2], bias: $0[3])
            },
            .init("nn.Bilinear/module-1d", op: nil, inputs: { g in [T.sample([3], &g), T.sample([2], &g), T.sample([4, 3, 2], &g)] }) {
                Bilinear(weight: $0[2], bias: nil)($0[0], $0[1]).tanh()
            },
        ]
    }
}

extension OpCatalog {
    /// ``ProjectedLSTM`` (LSTM with `proj_size`), a composite: two layers, bidirectional, checked
    /// in the input and both initial states (the weights, `weight_hr` included, enter the same
    /// GEMMs; the reference fixtures check their gradients against PyTorch).
    static var projectedLSTMEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("nn.ProjectedLSTM/2-layers-bidirectional", op: nil, inputs: { g in
                [T.sample([3, 2, 2], &g), T.sample([4, 2, 2], &g), T.sample([4, 2, 3], &g)]
            }) { x in
                var generator = RandomGenerator(seed: 5)
                let lstm = ProjectedLSTM<Double>(
                    inputSize: 2, hiddenSize: 3, projSize: 2, numLayers: 2, bidirectional: true, generator: &generator)
                let r = lstm.run(x[0], h0: x[1], c0: x[2])
                return r.output.sum() + (r.hN * r.hN).sum() + r.cN.sum()
            },
        ]
    }
}

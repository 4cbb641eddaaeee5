import GlassboxKernels

extension OpCatalog {
    /// Entries for composite functions of the neural-network layer: layers and losses (all
    /// `op: nil`; they are built from primitives and gradchecked end to end). Inputs sit away
    /// from kinks (|x| and thresholds) so central differences are valid; the default tolerance
    /// 1e-6 holds for all of them.
    static var nnEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        let classes = IndexTensor([2, 0, 4, 1])
        let ignored = IndexTensor([2, -100, 4, 1])
        let classWeight = T([0.5, 1.5, 1.0, 2.0, 0.7])
        var entries: [OpCatalogEntry] = [
            // Layers.
            .init("nn.linear", op: .linear, inputs: { g in [T.sample([2, 3, 4], &g), T.sample([5, 4], &g), T.sample([5], &g)] }) {
                linear($0[0], weight: $0[1], bias: $0[2])
            },
            .init("nn.linear/no-bias-1d", op: nil, inputs: { g in [T.sample([4], &g), T.sample([3, 4], &g)] }) {
                linear($0[0], weight: $0[1])
            },
            .init("nn.Linear/module", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([2, 4], &g), T.sample([2], &g)] }) {
                Linear(weight: $0[1], bias: $0[2])($0[0]).tanh()
            },
            .init("nn.Sequential/mlp", op: nil, inputs: { g in
                [T.sample([3, 4], &g), T.sample([5, 4], &g), T.sample([5], &g), T.sample([2, 5], &g)]
            }) { x in
                Sequential<Double>(Linear(weight: x[1], bias: x[2]), GELU(), Linear(weight: x[3], bias: nil), Softmax(dim: 1))(x[0])
            },
            .init("nn.Dropout/eval", op: nil, inputs: { g in [T.sample([3, 4], &g)] }) {
                Dropout<Double>(p: 0.3).eval()($0[0])
            },
            .init("nn.dropout/train-fixed-mask", op: nil, inputs: { g in [T.sample([3, 4], &g)] }) {
                var generator = RandomGenerator(seed: 11)
                return dropout($0[0], p: 0.3, generator: &generator)
            },
            .init("nn.embedding", op: nil, inputs: { g in [T.sample([5, 3], &g)] }) {
                embedding(IndexTensor([4, 0, 4, 2, 1, 4], shape: [2, 3]), weight: $0[0])
            },
            .init("nn.Embedding/padding", op: nil, inputs: { g in [T.sample([4, 3], &g)] }) {
                // Row 0 (padding) is a constant: it is read, but not differentiated through.
                let weight = T.concat([T([[0.5, -1, 2]]), $0[0]])
                return Embedding(weight: weight, paddingIdx: 0)(IndexTensor([0, 3, 0, 2, 3, 1], shape: [3, 2])).squared()
            },
            .init("nn.Flatten", op: nil, inputs: { g in [T.sample([2, 3, 2], &g)] }) {
                Flatten<Double>()($0[0]) * T.arange(0, 6)
            },
            // Regression losses (input and target both checked).
            .init("loss.l1/mean", op: nil, inputs: { g in [T.sampleAwayFromZero([3, 4], &g)] }) {
                l1Loss($0[0], T.zeros([3, 4]))
            },
            .init("loss.huber/delta", op: nil, inputs: { g in [T.sampleDistinct([3, 4], &g)] }) {
                huberLoss($0[0], T.zeros([3, 4]), reduction: .sum, delta: 0.9)
            },
            .init("loss.smoothL1/beta", op: nil, inputs: { g in [T.sampleDistinct([3, 4], &g)] }) {
                smoothL1Loss($0[0], T.zeros([3, 4]), reduction: .none, beta: 0.5)
            },
        ]
        for reduction in LossReduction.allCases {
            let r = reduction.rawValue
            entries += [
                .init("loss.mse/\(r)", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g)] }) {
                    mseLoss($0[0], $0[1], reduction: reduction)
                },
                .init("loss.crossEntropy/\(r)", op: nil, inputs: { g in [T.sample([4, 5], &g)] }) {
                    crossEntropy($0[0], classes, reduction: reduction)
                },
                .init("loss.crossEntropy/weight-ignore-smoothing/\(r)", op: nil, inputs: { g in [T.sample([4, 5], &g)] }) {
                    crossEntropy($0[0], ignored, weight: classWeight, reduction: reduction, labelSmoothing: 0.2)
                },
                .init("loss.crossEntropy/probabilities-smoothing-weight/\(r)", op: nil, inputs: { g in
                    [T.sample([3, 4], &g), T.sample([3, 4], &g, in: 0..<1)]
                }) {
                    crossEntropy($0[0], probabilities: $0[1], weight: T([1, 2, 0.5, 1]), reduction: reduction, labelSmoothing: 0.1)
                },
                .init("loss.nll/weight-ignore/\(r)", op: nil, inputs: { g in [T.sample([4, 5], &g)] }) {
                    nllLoss($0[0], ignored, weight: classWeight, reduction: reduction)
                },
                .init("loss.binaryCrossEntropy/weight/\(r)", op: nil, inputs: { g in
                    [T.sample([3, 4], &g, in: 0.1..<0.9), T.sample([3, 4], &g, in: 0..<1)]
                }) {
                    binaryCrossEntropy($0[0], $0[1], weight: T([1, 2, 0.5, 1]), reduction: reduction)
                },
                .init("loss.binaryCrossEntropyWithLogits/posWeight/\(r)", op: nil, inputs: { g in
                    [T.sample([3, 4], &g, in: -4..<4), T.sample([3, 4], &g, in: 0..<1)]
                }) {
                    binaryCrossEntropyWithLogits($0[0], $0[1], weight: T([1, 2, 0.5, 1]), posWeight: T([3, 1, 0.5, 2]), reduction: reduction)
                },
            ]
        }
        entries += [
            .init("loss.crossEntropy/ignore", op: nil, inputs: { g in [T.sample([4, 5], &g)] }) {
                crossEntropy($0[0], ignored)
            },
            .init("loss.crossEntropy/weight", op: nil, inputs: { g in [T.sample([4, 5], &g)] }) {
                crossEntropy($0[0], classes, weight: classWeight)
            },
            .init("loss.crossEntropy/smoothing", op: nil, inputs: { g in [T.sample([4, 5], &g)] }) {
                crossEntropy($0[0], classes, labelSmoothing: 0.3)
            },
            .init("loss.crossEntropy/spatial-ignore-smoothing", op: nil, inputs: { g in [T.sample([2, 3, 4], &g)] }) {
                crossEntropy($0[0], IndexTensor([0, 2, -1, 1, 1, 1, 0, -1], shape: [2, 4]), ignoreIndex: -1, labelSmoothing: 0.1)
            },
            .init("loss.crossEntropy/unbatched", op: nil, inputs: { g in [T.sample([5], &g)] }) {
                crossEntropy($0[0], IndexTensor([3], shape: []), labelSmoothing: 0.1)
            },
            .init("loss.binaryCrossEntropyWithLogits/plain", op: nil, inputs: { g in [T.sample([3, 4], &g, in: -4..<4)] }) {
                binaryCrossEntropyWithLogits($0[0], T([0, 1, 1, 0], shape: [4]).expanded(to: [3, 4]))
            },
        ]
        return entries
    }
}

import GlassboxKernels

extension OpCatalog {
    /// Entries for the losses of `Losses/DistributionLosses.swift` and `MarginLosses.swift` (all
    /// `op: nil`), under every reduction. Inputs keep the hinge terms away from their kinks;
    /// float targets that the loss differentiates are checked too, ±1 labels are constants. The
    /// triplet loss, whose values (about the margin, 5) dwarf its smallest gradient components,
    /// is held to 1e-5: its central differences lose about 2·10⁻⁹ to rounding.
    static var lossEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        /// A shifted or scaled sample made a checked leaf again.
        func leaf(_ t: T) -> T {
            t.requiresGrad = true
            return t
        }
        let signs = T([1, -1, -1, 1, 1, -1, 1, -1, -1, 1, 1, 1], shape: [3, 4])
        let classes = IndexTensor([2, 0, 4, 1])
        let labels = IndexTensor([3, 0, -1, 1, 1, 1, 2, 4, -1, 0, 4, 4, -1, 0, 2], shape: [3, 5])
        var entries: [OpCatalogEntry] = []
        for reduction in LossReduction.allCases {
            let r = reduction.rawValue
            entries += [
                .init("loss.poissonNLL/\(r)", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g, in: 0..<3)] }) {
                    poissonNLLLoss($0[0], $0[1], reduction: reduction)
                },
                .init("loss.gaussianNLL/\(r)", op: nil, inputs: { g in
                    [T.sample([3, 4], &g), T.sample([3, 4], &g), T.sample([3], &g, in: 0.2..<1)]
                }) {
                    gaussianNLLLoss($0[0], $0[1], variance: $0[2], full: true, reduction: reduction)
                },
                .init("loss.hingeEmbedding/\(r)", op: nil, inputs: { g in [leaf(T.sampleAwayFromZero([3, 4], &g).detached() + 0.5)] }) {
                    hingeEmbeddingLoss($0[0], signs, margin: 0.5, reduction: reduction)
                },
                .init("loss.marginRanking/\(r)", op: nil, inputs: { g in
                    [T.sampleDistinct([6], &g), leaf(T.sampleDistinct([6], &g).detached() * 0.5), T.sample([6], &g)]
                }) {
                    marginRankingLoss($0[0], $0[1], $0[2], margin: 0.05, reduction: reduction)
                },
                .init("loss.softMargin/\(r)", op: nil, inputs: { g in [T.sample([3, 4], &g)] }) {
                    softMarginLoss($0[0], signs, reduction: reduction)
                },
                .init("loss.multiLabelSoftMargin/weight/\(r)", op: nil, inputs: { g in
                    [T.sample([3, 4], &g), T.sample([3, 4], &g, in: 0..<1)]
                }) {
                    multiLabelSoftMarginLoss($0[0], $0[1], weight: T([1, 2, 0.5, 1]), reduction: reduction)
                },
                .init("loss.multiMargin/p2-weight/\(r)", op: nil, inputs: { g in [T.sampleDistinct([4, 5], &g)] }) {
                    multiMarginLoss($0[0], classes, p: 2, margin: 0.8, weight: T([0.5, 1.5, 1.0, 2.0, 0.7]), reduction: reduction)
                },
                .init("loss.multiLabelMargin/\(r)", op: nil, inputs: { g in [T.sampleDistinct([3, 5], &g)] }) {
                    multiLabelMarginLoss($0[0], labels, reduction: reduction)
                },
                .init("loss.tripletMargin/\(r)", op: nil, tolerance: 1e-5, inputs: { g in
                    [T.sample([4, 3], &g), T.sample([4, 3], &g), T.sample([4, 3], &g)]
                }) {
                    tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 5, reduction: reduction)
                },
                .init("loss.ctc/through-logSoftmax/\(r)", op: nil, inputs: { g in [T.sample([5, 2, 4], &g)] }) {
                    // Through log-softmax, as PyTorch's CTC gradient convention assumes (see ctcLoss).
                    ctcLoss(
                        logProbs: $0[0].logSoftmax(dim: 2), targets: IndexTensor([1, 2, 2, 3, 1, 0], shape: [2, 3]),
                        inputLengths: [5, 4], targetLengths: [3, 2], reduction: reduction)
                },
                .init("loss.cosineEmbedding/\(r)", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g)] }) {
                    cosineEmbeddingLoss($0[0], $0[1], T([1, -1, -1]), margin: -1, reduction: reduction)
                },
            ]
        }
        for reduction in KLDivReduction.allCases {
            entries.append(
                .init("loss.klDiv/\(reduction.rawValue)", op: nil, inputs: { g in
                    [T.sample([3, 4], &g), T.sample([3, 4], &g, in: 0.1..<1)]
                }) {
                    klDivLoss($0[0], $0[1], reduction: reduction)
                })
        }
        entries += [
            .init("loss.klDiv/logTarget", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g)] }) {
                klDivLoss($0[0], $0[1], reduction: .batchmean, logTarget: true)
            },
            .init("loss.poissonNLL/linear-full", op: nil, inputs: { g in
                [T.sample([3, 4], &g, in: 0.2..<2), T.sample([3, 4], &g, in: 1.2..<4)]
            }) {
                poissonNLLLoss($0[0], $0[1], logInput: false, full: true, eps: 1e-3, reduction: .sum)
            },
            .init("loss.tripletMargin/p3-swap", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([4, 3], &g), T.sample([4, 3], &g), T.sample([4, 3], &g)]
            }) {
                tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 5, p: 3, eps: 0.01, swap: true, reduction: .none)
            },
            .init("loss.multiMargin/1d", op: nil, inputs: { g in [T.sampleDistinct([5], &g)] }) {
                multiMarginLoss($0[0], IndexTensor([2], shape: []), margin: 0.5)
            },
        ]
        return entries
    }
}

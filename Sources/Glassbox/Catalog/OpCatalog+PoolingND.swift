import GlassboxKernels

extension OpCatalog {
    /// Entries for the 1-d and 3-d pools, adaptive max pooling and LP pooling (composed of the
    /// 2-d pooling primitives, `indexSelect`, `max`, `pow`: composite, `op == nil`). Max pooling
    /// uses well-separated distinct inputs so that no maximum is tied.
    static var poolingNDEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("maxPool1d/k3-s2-p1-ceil", op: nil, inputs: { g in [T.sampleDistinct([2, 2, 8], &g)] }) {
                maxPool1d($0[0], kernelSize: 3, stride: 2, padding: 1, ceilMode: true)
            },
            .init("avgPool1d/exclude-pad-unbatched", op: nil, inputs: { g in [T.sample([2, 7], &g)] }) {
                avgPool1d($0[0], kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false)
            },
            .init("adaptiveAvgPool1d", op: nil, inputs: { g in [T.sample([2, 2, 7], &g)] }) {
                adaptiveAvgPool1d($0[0], outputSize: 3)
            },
            .init("maxPool3d/padding-dilation-ceil", op: nil, inputs: { g in [T.sampleDistinct([1, 2, 5, 4, 5], &g)] }) {
                maxPool3d($0[0], kernelSize: [3, 2, 3], stride: [2, 1, 2], padding: [1, 1, 1], dilation: [1, 2, 1], ceilMode: true)
            },
            .init("avgPool3d/padding-ceil", op: nil, inputs: { g in [T.sample([1, 2, 5, 4, 5], &g)] }) {
                avgPool3d($0[0], kernelSize: [3, 2, 3], stride: [2, 1, 2], padding: [1, 1, 1], ceilMode: true)
            },
            .init("avgPool3d/divisor-override-unbatched", op: nil, inputs: { g in [T.sample([2, 3, 3, 4], &g)] }) {
                avgPool3d($0[0], kernelSize: [2, 2, 3], stride: [1], divisorOverride: 5)
            },
            .init("adaptiveAvgPool3d", op: nil, inputs: { g in [T.sample([1, 2, 5, 4, 3], &g)] }) {
                adaptiveAvgPool3d($0[0], outputSize: [2, 3, nil])
            },
            .init("adaptiveMaxPool/2d", op: nil, inputs: { g in [T.sampleDistinct([2, 2, 7, 5], &g)] }) {
                adaptiveMaxPool($0[0], outputSize: [3, 4])
            },
            .init("adaptiveMaxPool/3d-unbatched", op: nil, inputs: { g in [T.sampleDistinct([2, 3, 4, 5], &g)] }) {
                adaptiveMaxPool($0[0], outputSize: [2, 3, 2])
            },
            .init("lpPool1d/p2", op: nil, inputs: { g in [T.sample([2, 2, 8], &g)] }) {
                lpPool1d($0[0], normType: 2, kernelSize: 3, stride: 2)
            },
            .init("lpPool2d/p3-ceil", op: nil, inputs: { g in [T.sample([1, 2, 6, 5], &g, in: 0.2..<1.5)] }) {
                lpPool2d($0[0], normType: 3, kernelSize: (3, 2), stride: (2, 1), ceilMode: true)
            },
            .init("lpPool3d/p2", op: nil, inputs: { g in [T.sample([1, 2, 4, 3, 4], &g, in: 0.2..<1.5)] }) {
                lpPool3d($0[0], normType: 2, kernelSize: [2, 1, 2], stride: [1, 1, 2])
            },
            .init("nn.AdaptiveMaxPool1d", op: nil, inputs: { g in [T.sampleDistinct([2, 2, 8], &g)] }) {
                AdaptiveMaxPool1d<Double>(outputSize: 3)($0[0])
            },
            .init("nn.AvgPool3d", op: nil, inputs: { g in [T.sample([1, 2, 4, 4, 4], &g)] }) {
                AvgPool3d<Double>(kernelSize: [2], countIncludePad: false)($0[0])
            },
        ]
    }
}

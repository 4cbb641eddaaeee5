import GlassboxKernels

extension OpCatalog {
    /// Entries for the `resampleAxis` primitive (one table along one axis, and its transposed
    /// table as the backward) and for `interpolate`/`Upsample` in every mode. The second-order
    /// entry differentiates the recorded backward.
    static var resamplingEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
            .init("resample.axis/linear-middle", op: .resampleAxis, inputs: { g in [T.sample([2, 3, 4], &g)] }) {
                $0[0].resampled(dim: 1, table: .linear(input: 3, output: 7, alignCorners: false, scale: nil))
            },
            .init("resample.axis/cubic-last", op: .resampleAxis, inputs: { g in [T.sample([2, 5], &g)] }) {
                $0[0].resampled(dim: 1, table: .cubic(input: 5, output: 3, alignCorners: false, scale: nil))
            },
            .init("resample.axis/explicit-taps", op: .resampleAxis, inputs: { g in [T.sample([3, 2, 9], &g)] }) {
                $0[0].resampled(dim: 0, table: ResamplingTable(inputSize: 3, taps: [[(2, 0.5), (0, -1.5)], [], [(1, 2), (1, 0.25)]]))
            },
            .init("resample.axis/second-order", op: nil, inputs: { g in [T.sample([2, 4], &g), T.sample([2, 6], &g)] }) { x in
                withGrad {
                    let y = x[0].resampled(dim: 1, table: .cubic(input: 4, output: 6, alignCorners: true, scale: nil))
                    return T.gradients(of: (y * y * x[1]).sum(), withRespectTo: [x[0]], createGraph: true)[0]
                }
            },
            .init("interpolate.linear/align-corners", op: nil, inputs: { g in [T.sample([1, 2, 4], &g)] }) {
                interpolate($0[0], size: [9], mode: .linear, alignCorners: true)
            },
            .init("interpolate.bilinear/scale", op: nil, inputs: { g in [T.sample([1, 2, 3, 4], &g)] }) {
                interpolate($0[0], scaleFactor: [1.5, 0.75], mode: .bilinear)
            },
            .init("interpolate.bicubic/size", op: nil, inputs: { g in [T.sample([1, 1, 4, 3], &g)] }) {
                interpolate($0[0], size: [5, 7], mode: .bicubic)
            },
            .init("interpolate.trilinear/scale", op: nil, inputs: { g in [T.sample([1, 1, 2, 3, 2], &g)] }) {
                interpolate($0[0], scaleFactor: [2], mode: .trilinear, alignCorners: false)
            },
            .init("interpolate.nearest-exact/3d", op: nil, inputs: { g in [T.sample([2, 1, 5], &g)] }) {
                interpolate($0[0], size: [8], mode: .nearestExact)
            },
            .init("interpolate.nearest/5d", op: nil, inputs: { g in [T.sample([1, 1, 2, 2, 3], &g)] }) {
                interpolate($0[0], scaleFactor: [1.5, 2, 1], mode: .nearest)
            },
            .init("interpolate.area/5d", op: nil, inputs: { g in [T.sample([1, 1, 5, 2, 4], &g)] }) {
                interpolate($0[0], size: [3, 3, 3], mode: .area)
            },
            .init("nn.UpsamplingBilinear2d", op: nil, inputs: { g in [T.sample([1, 2, 3, 3], &g)] }) {
                UpsamplingBilinear2d<Double>(scaleFactor: [2])($0[0])
            },
        ]
    }
}

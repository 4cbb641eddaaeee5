import Testing
import Glassbox

/// interpolate/Upsample in every mode, ResamplingTable, and the shape layers (PixelShuffle,
/// ChannelShuffle, Unfold, Fold). PyTorch parity is in the reference fixtures
/// (`upsample_*`, `pixel_*`, `fold_*`, …); these pin the properties around them.
@Suite("Resampling and shape layers", .serialized)
struct ResamplingTests {
    /// Forward and input gradient of `f` on a seeded input.
    private static func run(_ shape: [Int], _ f: (Tensor<Float>) -> Tensor<Float>) -> [[Float]] {
        var generator = RandomGenerator(seed: 11)
        let x = Tensor<Float>.randn(shape, generator: &generator, requiresGrad: true)
        let y = f(x)
        let g = Tensor<Float>.randn(y.shape, generator: &generator)
        let dx = Tensor<Float>.gradients(of: (y * g).sum(), withRespectTo: [x])[0]
        return [y.scalars, dx.scalars]
    }

    @Test("bicubic, trilinear, nearest-exact and fold are bitwise identical for 1, 2 and 3 threads")
    func threadCountInvariance() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        let cases: [([Int], (Tensor<Float>) -> Tensor<Float>)] = [
            ([2, 4, 40, 48], { interpolate($0, scaleFactor: [1.7, 2.3], mode: .bicubic) }),
            ([1, 3, 10, 12, 14], { interpolate($0, size: [17, 9, 30], mode: .trilinear, alignCorners: true) }),
            ([2, 8, 300], { interpolate($0, scaleFactor: [2.5], mode: .nearestExact) }),
            ([2, 3, 30, 40], { fold(unfold($0, kernelSize: 3, padding: 1), outputSize: [30, 40], kernelSize: 3, padding: 1) }),
        ]
        for (shape, f) in cases {
            Threading.threadCount = 1
            let one = Self.run(shape, f)
            for threads in [2, 3] {
                Threading.threadCount = threads
                #expect(Self.run(shape, f) == one, "shape \(shape), \(threads) threads")
            }
        }
    }

    @Test("linear and cubic rows sum to 1; the transposed table is the adjoint")
    func tables() {
        for table in [
            ResamplingTable.linear(input: 5, output: 8, alignCorners: false, scale: nil),
            .linear(input: 4, output: 3, alignCorners: true, scale: nil),
            .cubic(input: 6, output: 11, alignCorners: false, scale: 1.9),
        ] {
            for r in 0..<table.outputSize {
                let sum = table.weights[table.rowStart[r]..<table.rowStart[r + 1]].reduce(0, +)
                #expect(abs(sum - 1) < 1e-12)
            }
            // ⟨A x, y⟩ = ⟨x, Aᵀ y⟩.
            let x = Tensor<Double>((0..<table.inputSize).map { Double($0 * $0) - 3 })
            let y = Tensor<Double>((0..<table.outputSize).map { Double($0) * 0.5 + 1 })
            let left = (x.resampled(dim: 0, table: table) * y).sum().item
            let right = (x * y.resampled(dim: 0, table: table.transposed)).sum().item
            #expect(abs(left - right) < 1e-9 * max(1, abs(left)))
        }
    }

    @Test("Upsample keeps its 2-D nearest API; identity sizes and aligned corners keep the corners")
    func upsampleLayer() {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor<Float>.randn([1, 2, 3, 4], generator: &generator)
        #expect(Upsample<Float>(scaleFactor: 2)(x).scalars == upsampleNearest(x, scaleFactor: 2).scalars)
        #expect(Upsample<Float>(size: (5, 7)).size! == (5, 7))
        for mode in [InterpolationMode.bilinear, .bicubic, .nearestExact] {
            #expect(interpolate(x, size: [3, 4], mode: mode).scalars == x.scalars)
        }
        let y = UpsamplingBilinear2d<Float>(size: [7, 9])(x)
        #expect(y.shape == [1, 2, 7, 9])
        #expect(y[0][1][6][8].item == x[0][1][2][3].item)
    }

    @Test("pixel unshuffle inverts pixel shuffle; fold inverts unfold on disjoint windows")
    func inverses() {
        var generator = RandomGenerator(seed: 5)
        let x = Tensor<Double>.randn([2, 3, 18, 4, 6], generator: &generator)
        #expect(pixelUnshuffle(pixelShuffle(x, upscaleFactor: 3), downscaleFactor: 3).scalars == x.scalars)
        let channels = Tensor<Double>.randn([2, 6, 5], generator: &generator)
        #expect(channelShuffle(channelShuffle(channels, groups: 2), groups: 3).scalars == channels.scalars)
        let image = Tensor<Double>.randn([2, 3, 6, 8], generator: &generator)
        let columns = unfold(image, kernelSize: [3, 2], stride: [3, 2])
        #expect(columns.shape == [2, 18, 8])
        #expect(fold(columns, outputSize: [6, 8], kernelSize: [3, 2], stride: [3, 2]).scalars == image.scalars)
    }
}

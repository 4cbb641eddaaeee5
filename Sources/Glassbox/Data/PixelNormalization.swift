import GlassboxIO

/// The conversion of 8-bit pixels to network inputs: `(x / 255 − mean[c]) / std[c]` per
/// channel `c`, as torchvision's `ToTensor()` followed by `Normalize(mean, std)`.
///
/// The arithmetic is done in the tensor's scalar type in that order (divide, subtract,
/// divide), as PyTorch does in float32, so a `Float` input is bit-identical to torchvision's.
/// Since a pixel has only 256 values, each channel's results are computed once into a lookup
/// table and a batch is converted by table look-ups.
public struct PixelNormalization: Equatable, Sendable {
    /// The mean subtracted from `x / 255`, one per channel (or one for all channels).
    public let mean: [Double]
    /// The standard deviation divided by, one per channel (or one for all channels).
    public let std: [Double]

    /// Creates a normalisation.
    ///
    /// - Precondition: `mean` and `std` have the same non-zero count and every `std` is
    ///   positive.
    public init(mean: [Double], std: [Double]) {
        precondition(
            !mean.isEmpty && mean.count == std.count && std.allSatisfy { $0 > 0 },
            "PixelNormalization: mean \(mean) and std \(std) must be equally long, non-empty, std positive")
        self.mean = mean
        self.std = std
    }

    /// MNIST's training-set statistics: mean 0.1307, std 0.3081 (the values of PyTorch's
    /// MNIST example).
    public static let mnist = PixelNormalization(mean: [0.1307], std: [0.3081])
    /// Fashion-MNIST's training-set statistics: mean 0.2860, std 0.3530.
    public static let fashionMNIST = PixelNormalization(mean: [0.2860], std: [0.3530])
    /// Scaling to `[0, 1]` only (`ToTensor()` without `Normalize`): mean 0, std 1.
    public static let unit = PixelNormalization(mean: [0], std: [1])

    /// The normalised value of each byte for each of `channels` channels: entry
    /// `c · 256 + x` is `(x / 255 − mean[c]) / std[c]`.
    ///
    /// - Precondition: the normalisation has one value or `channels` values.
    public func lookupTable<Scalar: TensorScalar>(channels: Int, as _: Scalar.Type) -> [Scalar] {
        precondition(
            mean.count == 1 || mean.count == channels,
            "PixelNormalization: \(mean.count) means for \(channels) channels (expected 1 or \(channels))")
        var table = [Scalar](repeating: 0, count: 256 * channels)
        for c in 0..<channels {
            let m = Scalar(mean.count == 1 ? mean[0] : mean[c])
            let s = Scalar(std.count == 1 ? std[0] : std[c])
            for x in 0..<256 { table[c * 256 + x] = (Scalar(x) / 255 - m) / s }
        }
        return table
    }

    /// `image` (any size, 1 to 4 channels) as a normalised `[1, channels, height, width]`
    /// tensor, ready for a model trained on images normalised this way (e.g. after
    /// `PNG.read(contentsOf:).grayscale()` for an MNIST model).
    public func tensor<Scalar: TensorScalar>(_ image: Image, as type: Scalar.Type) -> Tensor<Scalar> {
        let table = lookupTable(channels: image.channels, as: type)
        let plane = image.width * image.height
        let output = Tensor<Scalar>.empty([1, image.channels, image.height, image.width])
        output.withUnsafeMutableBufferPointer { out in
            image.pixels.withUnsafeBufferPointer { pixels in
                for c in 0..<image.channels {
                    PixelNormalization.lookUp(
                        pixels.baseAddress! + c, stride: image.channels, count: plane, table: table, offset: c * 256,
                        into: out.baseAddress! + c * plane)
                }
            }
        }
        return output
    }

    /// `output[i] = table[offset + pixels[i · stride]]` for `i` in `0..<count`: the per-batch
    /// conversion, dispatched to code specialised for `Float` and `Double` (a generic loop
    /// called across modules would run unspecialised, tens of times slower).
    static func lookUp<Scalar: TensorScalar>(
        _ pixels: UnsafePointer<UInt8>, stride: Int, count: Int, table: [Scalar], offset: Int,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        table.withUnsafeBufferPointer { table in
            let entries = table.baseAddress! + offset
            if Scalar.self == Float.self {
                lookUpLoop(
                    pixels, stride, count, UnsafeRawPointer(entries).assumingMemoryBound(to: Float.self),
                    UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self))
            } else if Scalar.self == Double.self {
                lookUpLoop(
                    pixels, stride, count, UnsafeRawPointer(entries).assumingMemoryBound(to: Double.self),
                    UnsafeMutableRawPointer(output).assumingMemoryBound(to: Double.self))
            } else {
                lookUpLoop(pixels, stride, count, entries, output)
            }
        }
    }

    @inline(__always)
    private static func lookUpLoop<T>(
        _ pixels: UnsafePointer<UInt8>, _ stride: Int, _ count: Int, _ table: UnsafePointer<T>,
        _ output: UnsafeMutablePointer<T>
    ) {
        for i in 0..<count { output[i] = table[Int(pixels[i * stride])] }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The sinusoidal embedding of diffusion steps (Vaswani et al.'s positional encoding, as Ho et
/// al.'s DDPM uses it): for a step `t` and `dim = 2h`,
/// `[sin(t·ω₀), …, sin(t·ω_{h−1}), cos(t·ω₀), …, cos(t·ω_{h−1})]` with `ωᵢ = 10000^(−i/(h−1))`.
///
/// `steps` (N of them) → `[N, dim]`, a constant (no gradient flows to the steps).
///
/// - Precondition: `dim` is even and at least 4.
public func timestepEmbedding<Scalar: TensorScalar>(_ steps: [Int], dim: Int) -> Tensor<Scalar> {
    precondition(dim >= 4 && dim % 2 == 0, "timestepEmbedding: dim \(dim) must be even and at least 4")
    let h = dim / 2
    var values = [Scalar](repeating: 0, count: steps.count * dim)
    for (n, t) in steps.enumerated() {
        for i in 0..<h {
            let angle = Double(t) * exp(-log(10000.0) * Double(i) / Double(h - 1))
            values[n * dim + i] = Scalar(sin(angle))
            values[n * dim + h + i] = Scalar(cos(angle))
        }
    }
    return Tensor(values, shape: [steps.count, dim])
}

/// A U-Net residual block conditioned on a time embedding `e` (Ho et al. 2020, after Wide
/// ResNets):
///
/// ```
/// h = conv1(SiLU(norm1(x))) + time_proj(SiLU(e))[:, :, None, None]
/// h = conv2(SiLU(norm2(h)))
/// out = h + skip(x)            (skip: a 1×1 convolution when the channel count changes)
/// ```
///
/// Both convolutions are 3 × 3 with padding 1, so the spatial size is kept.
public final class TimeResidualBlock<Scalar: TensorScalar>: Module {
    /// GroupNorm before the first convolution.
    public let norm1: GroupNorm<Scalar>
    /// The first 3 × 3 convolution, `inChannels → outChannels`.
    public let conv1: Conv2d<Scalar>
    /// The time embedding's projection to one shift per output channel.
    public let timeProjection: Linear<Scalar>
    /// GroupNorm before the second convolution.
    public let norm2: GroupNorm<Scalar>
    /// The second 3 × 3 convolution, `outChannels → outChannels`.
    public let conv2: Conv2d<Scalar>
    /// The 1 × 1 convolution on the residual path when the channel count changes, else `nil`.
    public let skip: Conv2d<Scalar>?
    /// Training mode (no effect: GroupNorm has no running statistics).
    public var isTraining = true

    /// Creates the block, initialised from `generator` (PyTorch's default initialisations).
    ///
    /// - Precondition: both channel counts are multiples of `groups`.
    public init(inChannels: Int, outChannels: Int, timeDimension: Int, groups: Int, generator: inout RandomGenerator) {
        norm1 = GroupNorm(numGroups: groups, numChannels: inChannels)
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: 1, generator: &generator)
        timeProjection = Linear(inFeatures: timeDimension, outFeatures: outChannels, generator: &generator)
        norm2 = GroupNorm(numGroups: groups, numChannels: outChannels)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, generator: &generator)
        skip =
            inChannels == outChannels
            ? nil : Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, generator: &generator)
    }

    /// `norm1`, `conv1`, `time_proj`, `norm2`, `conv2`, then `skip` when present.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("norm1", norm1), ("conv1", conv1), ("time_proj", timeProjection), ("norm2", norm2), ("conv2", conv2)]
            + (skip.map { [("skip", $0 as any Module<Scalar>)] } ?? [])
    }

    /// `x` `[N, inChannels, H, W]` and `time` `[N, timeDimension]` → `[N, outChannels, H, W]`.
    public func forward(_ x: Tensor<Scalar>, time: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            x.rank == 4 && time.rank == 2 && time.shape[0] == x.shape[0],
            "TimeResidualBlock: input \(x.shape) and time embedding \(time.shape) must be [N, C, H, W] and [N, D]")
        var h = conv1(norm1(x, then: .silu))
        h = h + timeProjection(time.silu()).reshaped([x.shape[0], -1, 1, 1])
        h = conv2(norm2(h, then: .silu))
        return h + (skip.map { $0(x) } ?? x)
    }
}

/// Self-attention over the positions of a feature map, with a residual connection:
/// `x + attention(norm(x))`, the `H·W` positions as tokens of `C` features
/// (``MultiheadAttention`` with `batchFirst`).
public final class SpatialSelfAttention<Scalar: TensorScalar>: Layer {
    /// GroupNorm before the attention.
    public let norm: GroupNorm<Scalar>
    /// The attention over positions.
    public let attention: MultiheadAttention<Scalar>
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer for `channels` features in `heads` heads.
    public init(channels: Int, heads: Int, groups: Int, generator: inout RandomGenerator) {
        norm = GroupNorm(numGroups: groups, numChannels: channels)
        attention = MultiheadAttention(embedDim: channels, numHeads: heads, batchFirst: true, generator: &generator)
    }

    /// `norm`, `attention`.
    public var children: [(name: String, module: any Module<Scalar>)] { [("norm", norm), ("attention", attention)] }

    /// `[N, C, H, W]` → `[N, C, H, W]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(input.rank == 4, "SpatialSelfAttention: expected [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let tokens = norm(input).reshaped([n, c, h * w]).transposed(1, 2)
        let attended = attention(query: tokens, key: tokens, value: tokens, needWeights: false).output.transposed(1, 2).reshaped([n, c, h, w])
        return input + attended
    }
}

/// A small U-Net for 28 × 28 one-channel images that predicts the noise ε in a diffused image
/// `x_t` from `x_t` and the step `t` (Ho et al. 2020, sized for MNIST). With `C` the base
/// channel count:
///
/// ```
/// t → sinusoidal(C) → Linear(C, 4C) → SiLU → Linear(4C, 4C)          = e   (time_mlp)
/// x [1, 28, 28] → conv_in 3×3 → [C, 28, 28]
///   → down1 res(C → C) = s1 → downsample1 3×3 stride 2 → [C, 14, 14]
///   → down2 res(C → 2C) = s2 → downsample2 3×3 stride 2 → [2C, 7, 7]
///   → mid1 res(2C → 2C) → [mid_attention] → mid2 res(2C → 2C)
///   → upsample1 (nearest ×2, 3×3) → [2C, 14, 14] ⊕ s2 → up1 res(4C → 2C)
///   → upsample2 (nearest ×2, 3×3) → [C, 28, 28] ⊕ s1 → up2 res(2C → C)
///   → norm_out → SiLU → conv_out 3×3 → [1, 28, 28]
/// ```
///
/// `res` is a ``TimeResidualBlock`` (every one sees `e`), `⊕` a concatenation of channels, and
/// `mid_attention` an optional ``SpatialSelfAttention`` over the 49 positions at 7 × 7.
/// GroupNorms have 8 groups. `conv_out` starts at zero, so the untrained net predicts ε = 0.
public final class UNet<Scalar: TensorScalar>: Module {
    /// The base channel count `C`.
    public let baseChannels: Int
    /// The time embedding's MLP (`Linear`, `SiLU`, `Linear`).
    public let timeMLP: Sequential<Scalar>
    /// The input convolution.
    public let convIn: Conv2d<Scalar>
    /// The residual block at 28 × 28.
    public let down1: TimeResidualBlock<Scalar>
    /// 28 → 14.
    public let downsample1: Conv2d<Scalar>
    /// The residual block at 14 × 14.
    public let down2: TimeResidualBlock<Scalar>
    /// 14 → 7.
    public let downsample2: Conv2d<Scalar>
    /// The first residual block at 7 × 7.
    public let mid1: TimeResidualBlock<Scalar>
    /// Self-attention at 7 × 7, or `nil`.
    public let midAttention: SpatialSelfAttention<Scalar>?
    /// The second residual block at 7 × 7.
    public let mid2: TimeResidualBlock<Scalar>
    /// 7 → 14: nearest ×2 then a 3 × 3 convolution.
    public let upsample1: Sequential<Scalar>
    /// The residual block at 14 × 14 on the skip-concatenated features.
    public let up1: TimeResidualBlock<Scalar>
    /// 14 → 28: nearest ×2 then a 3 × 3 convolution.
    public let upsample2: Sequential<Scalar>
    /// The residual block at 28 × 28 on the skip-concatenated features.
    public let up2: TimeResidualBlock<Scalar>
    /// The output GroupNorm.
    public let normOut: GroupNorm<Scalar>
    /// The output convolution (zero at initialisation).
    public let convOut: Conv2d<Scalar>
    /// Training mode (no effect: no layer behaves differently).
    public var isTraining = true

    /// Creates the net with base channel count `baseChannels` (a multiple of 8), with or without
    /// attention at 7 × 7, initialised from `generator`.
    public init(baseChannels: Int = 32, attention: Bool = true, generator: inout RandomGenerator) {
        precondition(baseChannels > 0 && baseChannels % 8 == 0, "UNet: baseChannels \(baseChannels) must be a positive multiple of 8")
        let c = baseChannels, time = 4 * baseChannels, groups = 8
        self.baseChannels = c
        timeMLP = Sequential(
            Linear(inFeatures: c, outFeatures: time, generator: &generator), SiLU(),
            Linear(inFeatures: time, outFeatures: time, generator: &generator))
        convIn = Conv2d(inChannels: 1, outChannels: c, kernelSize: 3, padding: 1, generator: &generator)
        func block(_ i: Int, _ o: Int, _ g: inout RandomGenerator) -> TimeResidualBlock<Scalar> {
            TimeResidualBlock(inChannels: i, outChannels: o, timeDimension: time, groups: groups, generator: &g)
        }
        down1 = block(c, c, &generator)
        downsample1 = Conv2d(inChannels: c, outChannels: c, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        down2 = block(c, 2 * c, &generator)
        downsample2 = Conv2d(inChannels: 2 * c, outChannels: 2 * c, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        mid1 = block(2 * c, 2 * c, &generator)
        midAttention = attention ? SpatialSelfAttention(channels: 2 * c, heads: 4, groups: groups, generator: &generator) : nil
        mid2 = block(2 * c, 2 * c, &generator)
        upsample1 = Sequential(
            Upsample(scaleFactor: 2), Conv2d(inChannels: 2 * c, outChannels: 2 * c, kernelSize: 3, padding: 1, generator: &generator))
        up1 = block(4 * c, 2 * c, &generator)
        upsample2 = Sequential(
            Upsample(scaleFactor: 2), Conv2d(inChannels: 2 * c, outChannels: c, kernelSize: 3, padding: 1, generator: &generator))
        up2 = block(2 * c, c, &generator)
        normOut = GroupNorm(numGroups: groups, numChannels: c)
        convOut = Conv2d(weight: Tensor.zeros([1, c, 3, 3]), bias: Tensor.zeros([1]), padding: 1)
    }

    /// The layers by attribute name, in the order of the diagram.
    public var children: [(name: String, module: any Module<Scalar>)] {
        var list: [(name: String, module: any Module<Scalar>)] = [
            ("time_mlp", timeMLP), ("conv_in", convIn), ("down1", down1), ("downsample1", downsample1),
            ("down2", down2), ("downsample2", downsample2), ("mid1", mid1),
        ]
        if let midAttention { list.append(("mid_attention", midAttention)) }
        list += [
            ("mid2", mid2), ("upsample1", upsample1), ("up1", up1), ("upsample2", upsample2), ("up2", up2),
            ("norm_out", normOut), ("conv_out", convOut),
        ]
        return list
    }

    /// The predicted noise for images `x` `[N, 1, 28, 28]` at steps `steps` (N of them).
    public func callAsFunction(_ x: Tensor<Scalar>, steps: [Int]) -> Tensor<Scalar> {
        precondition(
            x.rank == 4 && x.shape[1] == 1 && x.shape[2] == 28 && x.shape[3] == 28 && steps.count == x.shape[0],
            "UNet: expected images [N, 1, 28, 28] and N steps, got \(x.shape) and \(steps.count) steps")
        let e = timeMLP(timestepEmbedding(steps, dim: baseChannels))
        let s1 = down1.forward(convIn(x), time: e)
        let s2 = down2.forward(downsample1(s1), time: e)
        var h = mid1.forward(downsample2(s2), time: e)
        if let midAttention { h = midAttention(h) }
        h = mid2.forward(h, time: e)
        h = up1.forward(Tensor.concat([upsample1(h), s2], dim: 1), time: e)
        h = up2.forward(Tensor.concat([upsample2(h), s1], dim: 1), time: e)
        return convOut(normOut(h, then: .silu))
    }
}

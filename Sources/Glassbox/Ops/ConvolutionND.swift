// 1-d and 3-d convolutions (and their transposes), built on the 2-d primitives of
// Ops/Convolution.swift so that their derivatives of every order come from those:
// - 1-d: a height-1 image (`[N, C, L]` viewed as `[N, C, 1, L]`, the kernel as `[O, C/G, 1, K]`).
// - 3-d: depth as a loop over the kernel's depth taps `kd`, each one a 2-d convolution of the
//   input slices `od·stride + kd·dilation` (gathered with `indexSelect` from the depth-padded
//   input, every output depth at once as a batch of images), accumulated in the fixed order
//   kd = 0, 1, … — deterministic, and SIMD through the 2-d kernels.
// - 3-d transposed: the adjoint — per depth tap a 2-d transposed convolution of every input
//   slice, added (`indexAdd`) at output depth `id·stride + kd·dilation`, then cropped by the padding.
// The math is in Docs/Convolution.md.

/// The padding of the N-d convolutions (``conv1d(_:weight:bias:stride:padding:dilation:groups:)``,
/// ``conv3d(_:weight:bias:stride:padding:dilation:groups:)``), like PyTorch's `padding`: a number
/// of zeros on both sides of each spatial dimension, or `'same'` / `'valid'`. Write `1` (every
/// dimension), `[1, 2, 0]` (one per dimension), `.same` or `.valid`.
public enum ConvPaddingND: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// Zeros on both sides of each spatial dimension: one amount for all, or one per dimension.
    case explicit([Int])
    /// Output as large as the input (stride 1 only): the total `dilation·(kernel − 1)` is split
    /// with the odd one after, as PyTorch does.
    case same
    /// No padding.
    case valid

    /// The same padding for every dimension: `padding: 1`.
    public init(integerLiteral value: Int) { self = .explicit([value]) }

    /// One amount per spatial dimension: `padding: [1, 2, 0]`.
    public init(arrayLiteral elements: Int...) { self = .explicit(elements) }

    /// `(before, after)` per spatial dimension for `kernel` taps spaced `dilation` apart.
    public func amounts(kernel: [Int], dilation: [Int]) -> [(before: Int, after: Int)] {
        switch self {
        case .explicit(let p):
            let each = expandedSizes(p, count: kernel.count, name: "padding", op: "convolution")
            precondition(each.allSatisfy { $0 >= 0 }, "convolution: negative padding \(p)")
            return each.map { ($0, $0) }
        case .valid:
            return kernel.map { _ in (0, 0) }
        case .same:
            return zip(kernel, dilation).map { k, d in
                let total = d * (k - 1)
                return (total / 2, total - total / 2)
            }
        }
    }
}

/// `sizes` with one entry for each of `count` dimensions (a single entry is repeated).
func expandedSizes(_ sizes: [Int], count: Int, name: String, op: String) -> [Int] {
    if sizes.count == 1 { return [Int](repeating: sizes[0], count: count) }
    precondition(sizes.count == count, "\(op): \(name) \(sizes) must have 1 or \(count) entries")
    return sizes
}

/// 1-D convolution (cross-correlation) over an `[N, C, L]` or unbatched `[C, L]` input, like
/// `torch.nn.functional.conv1d`: ``conv2d(_:weight:bias:stride:padding:dilation:groups:)`` on a
/// height-1 image. `weight` is `[outChannels, C / groups, kernel]`, `bias` `[outChannels]`; the
/// output length is `⌊(L + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1`.
public func conv1d<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil,
    stride: Int = 1, padding: ConvPaddingND = 0, dilation: Int = 1, groups: Int = 1
) -> Tensor<Scalar> {
    precondition(input.rank == 2 || input.rank == 3, "conv1d: input must be [N, C, L] or [C, L], got \(input.shape)")
    precondition(weight.rank == 3, "conv1d: weight must be [out, in/groups, k], got \(weight.shape)")
    let padding2d: ConvPadding
    switch padding {
    case .same: padding2d = .same
    case .valid: padding2d = .valid
    case .explicit(let p):
        precondition(p.count == 1, "conv1d: padding \(p) must be one integer")
        padding2d = .explicit(height: 0, width: p[0])
    }
    let image = input.unsqueezed(input.rank - 1)
    let output = conv2d(
        image, weight: weight.unsqueezed(2), bias: bias, stride: Size2D(1, stride), padding: padding2d,
        dilation: Size2D(1, dilation), groups: groups)
    return output.squeezed(output.rank - 2)
}

/// 1-D transposed convolution over an `[N, C, L]` or `[C, L]` input, like
/// `torch.nn.functional.conv_transpose1d`: ``convTranspose2d(_:weight:bias:stride:padding:outputPadding:groups:dilation:)``
/// on a height-1 image. `weight` is `[C, outChannels / groups, kernel]`; the output length is
/// `(L − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1`.
public func convTranspose1d<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil,
    stride: Int = 1, padding: Int = 0, outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1
) -> Tensor<Scalar> {
    precondition(input.rank == 2 || input.rank == 3, "convTranspose1d: input must be [N, C, L] or [C, L], got \(input.shape)")
    precondition(weight.rank == 3, "convTranspose1d: weight must be [in, out/groups, k], got \(weight.shape)")
    let output = convTranspose2d(
        input.unsqueezed(input.rank - 1), weight: weight.unsqueezed(2), bias: bias, stride: Size2D(1, stride),
        padding: Size2D(0, padding), outputPadding: Size2D(0, outputPadding), groups: groups,
        dilation: Size2D(1, dilation))
    return output.squeezed(output.rank - 2)
}

/// 3-D convolution (cross-correlation) over an `[N, C, D, H, W]` or unbatched `[C, D, H, W]`
/// input, like `torch.nn.functional.conv3d`.
///
/// `weight` is `[outChannels, C / groups, kD, kH, kW]`, `bias` `[outChannels]`; `stride`,
/// `dilation` and explicit `padding` hold one entry for all three dimensions or one each
/// (depth, height, width). Output size per dimension:
/// `⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1`.
///
/// Computed as `Σ_kd conv2d(x[:, :, od·s + kd·d], w[:, :, kd])` over the kernel's depth taps in
/// order (see the top of this file); derivatives of every order follow from the 2-d primitives.
public func conv3d<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil,
    stride: [Int] = [1], padding: ConvPaddingND = 0, dilation: [Int] = [1], groups: Int = 1
) -> Tensor<Scalar> {
    precondition(input.rank == 4 || input.rank == 5, "conv3d: input must be [N, C, D, H, W] or [C, D, H, W], got \(input.shape)")
    precondition(
        weight.rank == 5 && weight.shape.allSatisfy { $0 > 0 },
        "conv3d: weight must be [out, in/groups, kD, kH, kW], got \(weight.shape)")
    precondition(groups > 0, "conv3d: groups must be positive, got \(groups)")
    let x = input.rank == 5 ? input : input.unsqueezed(0)
    let s = expandedSizes(stride, count: 3, name: "stride", op: "conv3d")
    let dil = expandedSizes(dilation, count: 3, name: "dilation", op: "conv3d")
    precondition(s.allSatisfy { $0 > 0 } && dil.allSatisfy { $0 > 0 }, "conv3d: stride \(s) and dilation \(dil) must be positive")
    precondition(padding != .same || s == [1, 1, 1], "conv3d: padding 'same' is not supported for strided convolutions (stride \(s))")
    precondition(
        x.shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0,
        "conv3d: input \(input.shape) has \(x.shape[1]) channels; weight \(weight.shape) with \(groups) groups expects \(weight.shape[1] * groups) and output channels divisible by \(groups)")
    let kernel = Array(weight.shape[2...])
    let pads = padding.amounts(kernel: kernel, dilation: dil)
    let (n, c, depth) = (x.shape[0], x.shape[1], x.shape[2])
    let paddedDepth = depth + pads[0].before + pads[0].after
    let outDepth = (paddedDepth - dil[0] * (kernel[0] - 1) - 1) / s[0] + 1
    precondition(
        paddedDepth - dil[0] * (kernel[0] - 1) - 1 >= 0,
        "conv3d: kernel \(kernel) with dilation \(dil) does not fit input \(input.shape) padded by \(pads.map { $0.before + $0.after })")
    let padded = pads[0].before + pads[0].after == 0 ? x : x.padded(dim: 2, to: paddedDepth, offset: pads[0].before)
    let planePadding: ConvPadding =
        switch padding {
        case .same: .same
        case .valid: .valid
        case .explicit: .explicit(height: pads[1].before, width: pads[2].before)
        }
    var sum: Tensor<Scalar>? = nil
    for kd in 0..<kernel[0] {
        let slab = padded.indexSelected(dim: 2, (0..<outDepth).map { $0 * s[0] + kd * dil[0] })  // [N, C, OD, H, W]
        let images = slab.permuted([0, 2, 1, 3, 4]).reshaped([n * outDepth, c, x.shape[3], x.shape[4]])
        let tap = weight.sliced(dim: 2, kd..<(kd + 1)).squeezed(2)
        let y = conv2d(
            images, weight: tap, stride: Size2D(s[1], s[2]), padding: planePadding, dilation: Size2D(dil[1], dil[2]),
            groups: groups)
        sum = sum.map { $0 + y } ?? y
    }
    let planes = sum!
    let outChannels = weight.shape[0]
    var output = planes.reshaped([n, outDepth, outChannels, planes.shape[2], planes.shape[3]]).permuted([0, 2, 1, 3, 4])
    if let bias {
        precondition(bias.shape == [outChannels], "conv3d: bias shape \(bias.shape), expected [\(outChannels)]")
        output = output + bias.reshaped([outChannels, 1, 1, 1])
    }
    return input.rank == 5 ? output : output.squeezed(0)
}

/// 3-D transposed convolution over an `[N, C, D, H, W]` or `[C, D, H, W]` input, like
/// `torch.nn.functional.conv_transpose3d`: the adjoint of
/// ``conv3d(_:weight:bias:stride:padding:dilation:groups:)`` in its input.
///
/// `weight` is `[C, outChannels / groups, kD, kH, kW]`, `bias` `[outChannels]`; the size
/// arguments hold one entry for all three dimensions or one each. Output size per dimension:
/// `(in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1`; `outputPadding`
/// must be smaller than the stride or the dilation.
public func convTranspose3d<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil,
    stride: [Int] = [1], padding: [Int] = [0], outputPadding: [Int] = [0], groups: Int = 1, dilation: [Int] = [1]
) -> Tensor<Scalar> {
    precondition(
        input.rank == 4 || input.rank == 5, "convTranspose3d: input must be [N, C, D, H, W] or [C, D, H, W], got \(input.shape)")
    precondition(
        weight.rank == 5 && weight.shape.allSatisfy { $0 > 0 },
        "convTranspose3d: weight must be [in, out/groups, kD, kH, kW], got \(weight.shape)")
    let x = input.rank == 5 ? input : input.unsqueezed(0)
    let s = expandedSizes(stride, count: 3, name: "stride", op: "convTranspose3d")
    let p = expandedSizes(padding, count: 3, name: "padding", op: "convTranspose3d")
    let op = expandedSizes(outputPadding, count: 3, name: "outputPadding", op: "convTranspose3d")
    let dil = expandedSizes(dilation, count: 3, name: "dilation", op: "convTranspose3d")
    precondition(s.allSatisfy { $0 > 0 } && dil.allSatisfy { $0 > 0 }, "convTranspose3d: stride \(s) and dilation \(dil) must be positive")
    precondition(
        p.allSatisfy { $0 >= 0 } && op.allSatisfy { $0 >= 0 } && (0..<3).allSatisfy { op[$0] < s[$0] || op[$0] < dil[$0] },
        "convTranspose3d: padding \(p) and output padding \(op) must be non-negative, the latter smaller than the stride \(s) or the dilation \(dil)")
    let (n, c, depth) = (x.shape[0], x.shape[1], x.shape[2])
    let kernel = Array(weight.shape[2...])
    let fullDepth = (depth - 1) * s[0] + dil[0] * (kernel[0] - 1) + 1 + op[0]
    let outDepth = fullDepth - 2 * p[0]
    precondition(outDepth > 0, "convTranspose3d: output depth \(outDepth) is not positive for input \(input.shape)")
    let images = x.permuted([0, 2, 1, 3, 4]).reshaped([n * depth, c, x.shape[3], x.shape[4]])
    var sum: Tensor<Scalar>? = nil
    for kd in 0..<kernel[0] {
        let tap = weight.sliced(dim: 2, kd..<(kd + 1)).squeezed(2)
        let y = convTranspose2d(
            images, weight: tap, stride: Size2D(s[1], s[2]), padding: Size2D(p[1], p[2]),
            outputPadding: Size2D(op[1], op[2]), groups: groups, dilation: Size2D(dil[1], dil[2]))
        let slices = y.reshaped([n, depth, y.shape[1], y.shape[2], y.shape[3]])
        let placed = slices.indexAdded(dim: 1, (0..<depth).map { $0 * s[0] + kd * dil[0] }, size: fullDepth)
        sum = sum.map { $0 + placed } ?? placed
    }
    let outChannels = weight.shape[1] * groups
    var output = sum!.sliced(dim: 1, p[0]..<(p[0] + outDepth)).permuted([0, 2, 1, 3, 4])
    if let bias {
        precondition(bias.shape == [outChannels], "convTranspose3d: bias shape \(bias.shape), expected [\(outChannels)]")
        output = output + bias.reshaped([outChannels, 1, 1, 1])
    }
    return input.rank == 5 ? output : output.squeezed(0)
}

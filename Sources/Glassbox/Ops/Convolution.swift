import GlassboxKernels

/// A size for the two spatial dimensions, `(height, width)`: PyTorch's "int or tuple"
/// arguments (`kernel_size`, `stride`, `dilation`, `output_padding`). Write `3` for both or
/// `[3, 5]` for height 3 and width 5.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// The size along the height (rows).
    public var height: Int
    /// The size along the width (columns).
    public var width: Int

    /// `(height, width)`.
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    /// The same size for both dimensions.
    public init(_ size: Int) { self.init(size, size) }

    /// The same size for both dimensions: `stride: 2`.
    public init(integerLiteral value: Int) { self.init(value) }

    /// `[height, width]`: `kernelSize: [3, 5]`.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "Size2D: expected [height, width], got \(elements)")
        self.init(elements[0], elements[1])
    }

    /// `(height, width)`.
    public var description: String { "(\(height), \(width))" }
}

/// The padding of ``conv2d(_:weight:bias:stride:padding:dilation:groups:)``, like PyTorch's
/// `padding` argument: a number of zeros on each side of each spatial dimension, or `'same'` /
/// `'valid'`. Write `1`, `[1, 2]`, `.same` or `.valid`.
public enum ConvPadding: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// `height` zero rows above and below, `width` zero columns left and right.
    case explicit(height: Int, width: Int)
    /// Output as large as the input (stride 1 only). The total padding `dilation·(kernel − 1)`
    /// is split with the odd one at the bottom/right, as PyTorch does.
    case same
    /// No padding.
    case valid

    /// The same padding on all four sides: `padding: 1`.
    public init(integerLiteral value: Int) { self = .explicit(height: value, width: value) }

    /// `[height, width]`: `padding: [1, 2]`.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "ConvPadding: expected [height, width], got \(elements)")
        self = .explicit(height: elements[0], width: elements[1])
    }

    /// The zeros before the first row / column and the total over both sides, for a kernel of
    /// `kernel` taps spaced `dilation` apart.
    func resolved(kernel: Size2D, dilation: Size2D) -> (top: Int, left: Int, height: Int, width: Int) {
        switch self {
        case .explicit(let h, let w):
            precondition(h >= 0 && w >= 0, "conv2d: negative padding (\(h), \(w))")
            return (h, w, 2 * h, 2 * w)
        case .valid:
            return (0, 0, 0, 0)
        case .same:
            let h = dilation.height * (kernel.height - 1), w = dilation.width * (kernel.width - 1)
            return (h / 2, w / 2, h, w)
        }
    }
}

/// 2-D convolution (cross-correlation) over an `[N, C, H, W]` or unbatched `[C, H, W]` input,
/// like `torch.nn.functional.conv2d`.
///
/// `weight` is `[outChannels, C / groups, kernelHeight, kernelWidth]` and `bias`
/// `[outChannels]`. The output is `[N, outChannels, OH, OW]` with
/// `OH = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1` (likewise `OW`).
///
/// Derivatives: the input gradient is ``convTranspose2d(_:weight:bias:stride:padding:outputPadding:groups:dilation:)``
/// of the output gradient with the same weight, the weight gradient is
/// ``conv2dWeightGradient(_:weightShape:gradOutput:stride:padding:dilation:groups:)``, the bias
/// gradient the output gradient summed over `N`, `OH`, `OW`. Each of the three is itself
/// differentiable, so higher-order gradients work. Gradients are computed only for arguments
/// that require them.
public func conv2d<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil,
    stride: Size2D = 1, padding: ConvPadding = 0, dilation: Size2D = 1, groups: Int = 1
) -> Tensor<Scalar> {
    precondition(
        input.rank == 3 || input.rank == 4,
        "conv2d: input must be [N, C, H, W] or [C, H, W], got \(input.shape)")
    let batched = input.rank == 4 ? input : input.unsqueezed(0)
    let geometry = convolutionGeometry(
        "conv2d", input: batched.shape, weight: weight.shape, stride: stride, padding: padding, dilation: dilation,
        groups: groups)
    if let bias {
        precondition(
            bias.shape == [weight.shape[0]],
            "conv2d: bias shape \(bias.shape), expected [\(weight.shape[0])] for weight \(weight.shape)")
    }
    let output = Tensor.convolution(batched, weight, bias, geometry)
    return input.rank == 4 ? output : output.squeezed(0)
}

/// 2-D transposed convolution over an `[N, C, H, W]` or unbatched `[C, H, W]` input, like
/// `torch.nn.functional.conv_transpose2d`: the adjoint of ``conv2d(_:weight:bias:stride:padding:dilation:groups:)``
/// in its input (so also its input gradient).
///
/// `weight` is `[C, outChannels / groups, kernelHeight, kernelWidth]` and `bias`
/// `[outChannels]`. The output is `[N, outChannels, OH, OW]` with
/// `OH = (H − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1` (likewise
/// `OW`); `outputPadding` must be smaller than the stride or the dilation.
///
/// Derivatives: the input gradient is `conv2d` of the output gradient with the same weight,
/// the weight gradient ``conv2dWeightGradient(_:weightShape:gradOutput:stride:padding:dilation:groups:)``
/// with the roles of input and output gradient exchanged, the bias gradient the output gradient
/// summed over `N`, `OH`, `OW`.
public func convTranspose2d<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil,
    stride: Size2D = 1, padding: Size2D = 0, outputPadding: Size2D = 0, groups: Int = 1, dilation: Size2D = 1
) -> Tensor<Scalar> {
    precondition(
        input.rank == 3 || input.rank == 4,
        "convTranspose2d: input must be [N, C, H, W] or [C, H, W], got \(input.shape)")
    precondition(
        weight.rank == 4, "convTranspose2d: weight must be [in, out/groups, kH, kW], got \(weight.shape)")
    precondition(groups > 0, "convTranspose2d: groups must be positive, got \(groups)")
    let batched = input.rank == 4 ? input : input.unsqueezed(0)
    let s = batched.shape
    precondition(
        s[1] == weight.shape[0] && weight.shape[0] % groups == 0,
        "convTranspose2d: input \(input.shape) has \(s[1]) channels; weight \(weight.shape) with \(groups) groups expects \(weight.shape[0])")
    for (name, size) in [("stride", stride), ("dilation", dilation)] {
        precondition(size.height > 0 && size.width > 0, "convTranspose2d: \(name) must be positive, got \(size)")
    }
    precondition(
        padding.height >= 0 && padding.width >= 0 && outputPadding.height >= 0 && outputPadding.width >= 0,
        "convTranspose2d: negative padding \(padding) or output padding \(outputPadding)")
    precondition(
        (outputPadding.height < stride.height || outputPadding.height < dilation.height)
            && (outputPadding.width < stride.width || outputPadding.width < dilation.width),
        "convTranspose2d: output padding \(outputPadding) must be smaller than the stride \(stride) or the dilation \(dilation)")
    let kernel = Size2D(weight.shape[2], weight.shape[3])
    let outChannels = weight.shape[1] * groups
    let height = (s[2] - 1) * stride.height - 2 * padding.height + dilation.height * (kernel.height - 1) + outputPadding.height + 1
    let width = (s[3] - 1) * stride.width - 2 * padding.width + dilation.width * (kernel.width - 1) + outputPadding.width + 1
    precondition(
        height > 0 && width > 0,
        "convTranspose2d: output size (\(height), \(width)) is too small for input \(input.shape), weight \(weight.shape), stride \(stride), padding \(padding)")
    if let bias {
        precondition(
            bias.shape == [outChannels],
            "convTranspose2d: bias shape \(bias.shape), expected [\(outChannels)] for weight \(weight.shape) and \(groups) groups")
    }
    // The convolution whose input gradient this is: its input is our output.
    let geometry = ConvolutionGeometry(
        batch: s[0], inputChannels: outChannels, outputChannels: s[1], groups: groups,
        inputHeight: height, inputWidth: width, outputHeight: s[2], outputWidth: s[3],
        kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
        paddingTop: padding.height, paddingLeft: padding.width, dilationHeight: dilation.height,
        dilationWidth: dilation.width)
    let output = Tensor.convolutionTransposed(batched, weight, bias, geometry)
    return input.rank == 4 ? output : output.squeezed(0)
}

/// The gradient of `conv2d(input, weight, …)` with respect to a weight of shape
/// `weightShape`, given the output gradient, like `torch.nn.grad.conv2d_weight`:
/// `∂⟨conv2d(input, w), gradOutput⟩/∂w`, summed over the batch.
///
/// `input` is `[N, C, H, W]` (or `[C, H, W]`), `gradOutput` the matching `[N, O, OH, OW]` (or
/// `[O, OH, OW]`), `weightShape` `[O, C / groups, kernelHeight, kernelWidth]`. Differentiable
/// in `input` (giving `convTranspose2d` of `gradOutput` with the upstream gradient as weight)
/// and in `gradOutput` (giving `conv2d` of `input` with it).
public func conv2dWeightGradient<Scalar>(
    _ input: Tensor<Scalar>, weightShape: [Int], gradOutput: Tensor<Scalar>,
    stride: Size2D = 1, padding: ConvPadding = 0, dilation: Size2D = 1, groups: Int = 1
) -> Tensor<Scalar> {
    precondition(
        (input.rank == 3 || input.rank == 4) && gradOutput.rank == input.rank,
        "conv2dWeightGradient: input \(input.shape) and gradOutput \(gradOutput.shape) must both be [N, C, H, W] or [C, H, W]")
    let x = input.rank == 4 ? input : input.unsqueezed(0)
    let g = gradOutput.rank == 4 ? gradOutput : gradOutput.unsqueezed(0)
    let geometry = convolutionGeometry(
        "conv2dWeightGradient", input: x.shape, weight: weightShape, stride: stride, padding: padding,
        dilation: dilation, groups: groups)
    let expected = [geometry.batch, geometry.outputChannels, geometry.outputHeight, geometry.outputWidth]
    precondition(
        g.shape == expected,
        "conv2dWeightGradient: gradOutput shape \(gradOutput.shape), expected \(input.rank == 4 ? expected : Array(expected.dropFirst())) for input \(input.shape) and weight \(weightShape)")
    return Tensor.convolutionWeightGradient(x, g, geometry)
}

/// The geometry of `conv2d` on a batched input of shape `input` with a weight of shape
/// `weight`; stops with a message naming `op` and the shapes when they do not fit.
private func convolutionGeometry(
    _ op: String, input: [Int], weight: [Int], stride: Size2D, padding: ConvPadding, dilation: Size2D, groups: Int
) -> ConvolutionGeometry {
    precondition(weight.count == 4, "\(op): weight must be [out, in/groups, kH, kW], got \(weight)")
    precondition(groups > 0, "\(op): groups must be positive, got \(groups)")
    precondition(
        weight.allSatisfy { $0 >= 0 } && weight[2] > 0 && weight[3] > 0, "\(op): invalid weight shape \(weight)")
    precondition(
        input[1] == weight[1] * groups && weight[0] % groups == 0,
        "\(op): input \(input) has \(input[1]) channels; weight \(weight) with \(groups) groups expects \(weight[1] * groups) and \(weight[0]) output channels divisible by \(groups)")
    for (name, size) in [("stride", stride), ("dilation", dilation)] {
        precondition(size.height > 0 && size.width > 0, "\(op): \(name) must be positive, got \(size)")
    }
    if padding == .same {
        precondition(
            stride == 1, "\(op): padding 'same' is not supported for strided convolutions (stride \(stride))")
    }
    let kernel = Size2D(weight[2], weight[3])
    let pad = padding.resolved(kernel: kernel, dilation: dilation)
    let height = ConvolutionGeometry.outputLength(
        input: input[2], kernel: kernel.height, stride: stride.height, padding: pad.height, dilation: dilation.height)
    let width = ConvolutionGeometry.outputLength(
        input: input[3], kernel: kernel.width, stride: stride.width, padding: pad.width, dilation: dilation.width)
    precondition(
        height > 0 && width > 0,
        "\(op): kernel \(kernel) with dilation \(dilation) does not fit input \(input) padded by (\(pad.height), \(pad.width)) in total")
    return ConvolutionGeometry(
        batch: input[0], inputChannels: input[1], outputChannels: weight[0], groups: groups,
        inputHeight: input[2], inputWidth: input[3], outputHeight: height, outputWidth: width,
        kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
        paddingTop: pad.top, paddingLeft: pad.left, dilationHeight: dilation.height, dilationWidth: dilation.width)
}

// The three primitives on batched tensors with a fixed geometry. Each one's derivatives are
// the other two (see Docs/Convolution.md), so gradients of any order close over them.
extension Tensor {
    /// `conv(x, w) + b`: `x` `[N, C, H, W]`, `w` `[O, C/G, KH, KW]`, `b` `[O]` → `[N, O, OH, OW]`.
    fileprivate static func convolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geometry: ConvolutionGeometry) -> Tensor {
        let out = empty([geometry.batch, geometry.outputChannels, geometry.outputHeight, geometry.outputWidth])
        Convolution.forward(
            geometry, input: x.storage.pointer, weight: w.storage.pointer, bias: b?.storage.pointer,
            output: out.storage.pointer)
        return out.recorded(.conv2d, b.map { [x, w, $0] } ?? [x, w]) { g, _ in
            [
                x.requiresGrad ? convolutionTransposed(g, w, nil, geometry) : nil,
                w.requiresGrad ? convolutionWeightGradient(x, g, geometry) : nil,
            ] + (b.map { [$0.requiresGrad ? channelSums(g) : nil] } ?? [])
        }
    }

    /// The adjoint of ``convolution(_:_:_:_:)`` in `x`, plus `b[c]` on channel `c`: `y`
    /// `[N, O, OH, OW]`, `w` `[O, C/G, KH, KW]`, `b` `[C]` → `[N, C, H, W]`.
    fileprivate static func convolutionTransposed(_ y: Tensor, _ w: Tensor, _ b: Tensor?, _ geometry: ConvolutionGeometry) -> Tensor {
        let out = empty([geometry.batch, geometry.inputChannels, geometry.inputHeight, geometry.inputWidth])
        Convolution.backwardData(
            geometry, gradOutput: y.storage.pointer, weight: w.storage.pointer, bias: b?.storage.pointer,
            gradInput: out.storage.pointer)
        return out.recorded(.convTranspose2d, b.map { [y, w, $0] } ?? [y, w]) { g, _ in
            [
                y.requiresGrad ? convolution(g, w, nil, geometry) : nil,
                w.requiresGrad ? convolutionWeightGradient(g, y, geometry) : nil,
            ] + (b.map { [$0.requiresGrad ? channelSums(g) : nil] } ?? [])
        }
    }

    /// `∂⟨conv(x, w), y⟩/∂w`: `x` `[N, C, H, W]`, `y` `[N, O, OH, OW]` → `[O, C/G, KH, KW]`.
    fileprivate static func convolutionWeightGradient(_ x: Tensor, _ y: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
        let out = empty([
            geometry.outputChannels, geometry.inputChannelsPerGroup, geometry.kernelHeight, geometry.kernelWidth,
        ])
        Convolution.backwardWeight(
            geometry, input: x.storage.pointer, gradOutput: y.storage.pointer, gradWeight: out.storage.pointer)
        return out.recorded(.conv2dWeightGradient, [x, y]) { g, _ in
            [
                x.requiresGrad ? convolutionTransposed(y, g, nil, geometry) : nil,
                y.requiresGrad ? convolution(x, g, nil, geometry) : nil,
            ]
        }
    }

    /// `[N, C, H, W]` summed over `N`, `H`, `W`: the gradient of a per-channel bias.
    fileprivate static func channelSums(_ g: Tensor) -> Tensor {
        g.reshaped([g.shape[0], g.shape[1], g.shape[2] * g.shape[3]]).sum(dim: 2).sum(dim: 0)
    }
}

// 1-d and 3-d convolution layers, like `torch.nn.Conv1d`, `Conv3d`, `ConvTranspose1d`,
// `ConvTranspose3d`: the ops of Ops/ConvolutionND.swift with their own weight and bias, with
// PyTorch's parameter names, layouts and initialisation (`U(−1/√fanIn, 1/√fanIn)` with
// `fanIn = weight.size(1) · kernel elements`, as for ``Conv2d``). 3-d sizes are `[depth, height,
// width]` (one entry means the same for all three).

/// A 1-D convolution layer, like `torch.nn.Conv1d`, on `[N, inChannels, L]` or `[inChannels, L]`.
///
/// Parameters: `weight` `[outChannels, inChannels / groups, kernelSize]`, `bias` `[outChannels]`
/// (absent when `bias: false`).
public final class Conv1d<Scalar: TensorScalar>: Layer {
    /// The stride of the window.
    public let stride: Int
    /// Padding on both sides (or `.same` / `.valid`).
    public let padding: ConvPaddingND
    /// The spacing between kernel taps.
    public let dilation: Int
    /// Input and output channels are split into this many groups.
    public let groups: Int
    /// How the input is padded.
    public let paddingMode: ConvPaddingMode
    /// `[outChannels, inChannels / groups, kernelSize]`.
    public let weight: Tensor<Scalar>
    /// `[outChannels]`, or `nil`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a layer initialised from `generator` (weight first, then bias).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: ConvPaddingND = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, paddingMode: ConvPaddingMode = .zeros,
        generator: inout RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "Conv1d: \(inChannels) input and \(outChannels) output channels must be positive and divisible by \(groups) groups")
        let (w, b): (Tensor<Scalar>, Tensor<Scalar>?) = convolutionParameters(
            weightShape: [outChannels, inChannels / groups, kernelSize], biasCount: bias ? outChannels : nil,
            generator: &generator)
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups, paddingMode: paddingMode)
    }

    /// Creates a layer with the given parameters (made to require grad).
    public init(
        weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Int = 1, padding: ConvPaddingND = 0, dilation: Int = 1,
        groups: Int = 1, paddingMode: ConvPaddingMode = .zeros
    ) {
        precondition(weight.rank == 3 && weight.shape.allSatisfy { $0 > 0 }, "Conv1d: weight must be [out, in/groups, k], got \(weight.shape)")
        checkConvolutionLayer("Conv1d", weight: weight, bias: bias, outChannels: weight.shape[0], groups: groups)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.paddingMode = paddingMode
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `[N, inChannels, L]` → `[N, outChannels, OL]` (or unbatched).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mode = paddingMode.explicitMode else {
            return conv1d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let amounts = padding.amounts(kernel: [weight.shape[2]], dilation: [dilation])
        return conv1d(
            convolutionModePadded(input, amounts, mode: mode), weight: weight, bias: bias, stride: stride, padding: .valid,
            dilation: dilation, groups: groups)
    }
}

/// A 3-D convolution layer, like `torch.nn.Conv3d`, on `[N, inChannels, D, H, W]` or
/// `[inChannels, D, H, W]`.
///
/// Parameters: `weight` `[outChannels, inChannels / groups, kD, kH, kW]`, `bias` `[outChannels]`.
public final class Conv3d<Scalar: TensorScalar>: Layer {
    /// The stride `[depth, height, width]`.
    public let stride: [Int]
    /// Padding on both sides of each dimension (or `.same` / `.valid`).
    public let padding: ConvPaddingND
    /// The spacing between kernel taps `[depth, height, width]`.
    public let dilation: [Int]
    /// Input and output channels are split into this many groups.
    public let groups: Int
    /// How the input is padded.
    public let paddingMode: ConvPaddingMode
    /// `[outChannels, inChannels / groups, kD, kH, kW]`.
    public let weight: Tensor<Scalar>
    /// `[outChannels]`, or `nil`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a layer initialised from `generator` (weight first, then bias).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: [Int], stride: [Int] = [1], padding: ConvPaddingND = 0,
        dilation: [Int] = [1], groups: Int = 1, bias: Bool = true, paddingMode: ConvPaddingMode = .zeros,
        generator: inout RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "Conv3d: \(inChannels) input and \(outChannels) output channels must be positive and divisible by \(groups) groups")
        let kernel = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "Conv3d")
        let (w, b): (Tensor<Scalar>, Tensor<Scalar>?) = convolutionParameters(
            weightShape: [outChannels, inChannels / groups] + kernel, biasCount: bias ? outChannels : nil,
            generator: &generator)
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups, paddingMode: paddingMode)
    }

    /// Creates a layer with the given parameters (made to require grad).
    public init(
        weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: [Int] = [1], padding: ConvPaddingND = 0,
        dilation: [Int] = [1], groups: Int = 1, paddingMode: ConvPaddingMode = .zeros
    ) {
        precondition(
            weight.rank == 5 && weight.shape.allSatisfy { $0 > 0 }, "Conv3d: weight must be [out, in/groups, kD, kH, kW], got \(weight.shape)")
        checkConvolutionLayer("Conv3d", weight: weight, bias: bias, outChannels: weight.shape[0], groups: groups)
        self.stride = expandedSizes(stride, count: 3, name: "stride", op: "Conv3d")
        self.padding = padding
        self.dilation = expandedSizes(dilation, count: 3, name: "dilation", op: "Conv3d")
        self.groups = groups
        self.paddingMode = paddingMode
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `[N, inChannels, D, H, W]` → `[N, outChannels, OD, OH, OW]` (or unbatched).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mode = paddingMode.explicitMode else {
            return conv3d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let amounts = padding.amounts(kernel: Array(weight.shape[2...]), dilation: dilation)
        return conv3d(
            convolutionModePadded(input, amounts, mode: mode), weight: weight, bias: bias, stride: stride, padding: .valid,
            dilation: dilation, groups: groups)
    }
}

/// A 1-D transposed convolution layer, like `torch.nn.ConvTranspose1d`, on `[N, inChannels, L]`
/// or `[inChannels, L]`.
///
/// Parameters: `weight` `[inChannels, outChannels / groups, kernelSize]`, `bias` `[outChannels]`.
public final class ConvTranspose1d<Scalar: TensorScalar>: Layer {
    /// The upsampling stride.
    public let stride: Int
    /// `dilation·(kernel − 1) − padding` zeros are added on both sides of the input.
    public let padding: Int
    /// Extra elements at the end of the output.
    public let outputPadding: Int
    /// Input and output channels are split into this many groups.
    public let groups: Int
    /// The spacing between kernel taps.
    public let dilation: Int
    /// `[inChannels, outChannels / groups, kernelSize]`.
    public let weight: Tensor<Scalar>
    /// `[outChannels]`, or `nil`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a layer initialised from `generator` (weight first, then bias).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        groups: Int = 1, bias: Bool = true, dilation: Int = 1, generator: inout RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "ConvTranspose1d: \(inChannels) input and \(outChannels) output channels must be positive and divisible by \(groups) groups")
        let (w, b): (Tensor<Scalar>, Tensor<Scalar>?) = convolutionParameters(
            weightShape: [inChannels, outChannels / groups, kernelSize], biasCount: bias ? outChannels : nil,
            generator: &generator)
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups, dilation: dilation)
    }

    /// Creates a layer with the given parameters (made to require grad).
    public init(
        weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        groups: Int = 1, dilation: Int = 1
    ) {
        precondition(
            weight.rank == 3 && weight.shape.allSatisfy { $0 > 0 }, "ConvTranspose1d: weight must be [in, out/groups, k], got \(weight.shape)")
        checkConvolutionLayer("ConvTranspose1d", weight: weight, bias: bias, outChannels: weight.shape[1] * groups, groups: groups)
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.groups = groups
        self.dilation = dilation
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `[N, inChannels, L]` → `[N, outChannels, OL]` (or unbatched).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        convTranspose1d(
            input, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
            groups: groups, dilation: dilation)
    }
}

/// A 3-D transposed convolution layer, like `torch.nn.ConvTranspose3d`, on
/// `[N, inChannels, D, H, W]` or `[inChannels, D, H, W]`.
///
/// Parameters: `weight` `[inChannels, outChannels / groups, kD, kH, kW]`, `bias` `[outChannels]`.
public final class ConvTranspose3d<Scalar: TensorScalar>: Layer {
    /// The upsampling stride `[depth, height, width]`.
    public let stride: [Int]
    /// `dilation·(kernel − 1) − padding` zeros are added on both sides of each dimension.
    public let padding: [Int]
    /// Extra elements at the end of each output dimension.
    public let outputPadding: [Int]
    /// Input and output channels are split into this many groups.
    public let groups: Int
    /// The spacing between kernel taps.
    public let dilation: [Int]
    /// `[inChannels, outChannels / groups, kD, kH, kW]`.
    public let weight: Tensor<Scalar>
    /// `[outChannels]`, or `nil`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a layer initialised from `generator` (weight first, then bias).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: [Int], stride: [Int] = [1], padding: [Int] = [0],
        outputPadding: [Int] = [0], groups: Int = 1, bias: Bool = true, dilation: [Int] = [1],
        generator: inout RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "ConvTranspose3d: \(inChannels) input and \(outChannels) output channels must be positive and divisible by \(groups) groups")
        let kernel = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "ConvTranspose3d")
        let (w, b): (Tensor<Scalar>, Tensor<Scalar>?) = convolutionParameters(
            weightShape: [inChannels, outChannels / groups] + kernel, biasCount: bias ? outChannels : nil,
            generator: &generator)
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups, dilation: dilation)
    }

    /// Creates a layer with the given parameters (made to require grad).
    public init(
        weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: [Int] = [1], padding: [Int] = [0],
        outputPadding: [Int] = [0], groups: Int = 1, dilation: [Int] = [1]
    ) {
        precondition(
            weight.rank == 5 && weight.shape.allSatisfy { $0 > 0 },
            "ConvTranspose3d: weight must be [in, out/groups, kD, kH, kW], got \(weight.shape)")
        checkConvolutionLayer("ConvTranspose3d", weight: weight, bias: bias, outChannels: weight.shape[1] * groups, groups: groups)
        self.stride = expandedSizes(stride, count: 3, name: "stride", op: "ConvTranspose3d")
        self.padding = expandedSizes(padding, count: 3, name: "padding", op: "ConvTranspose3d")
        self.outputPadding = expandedSizes(outputPadding, count: 3, name: "outputPadding", op: "ConvTranspose3d")
        self.groups = groups
        self.dilation = expandedSizes(dilation, count: 3, name: "dilation", op: "ConvTranspose3d")
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `[N, inChannels, D, H, W]` → `[N, outChannels, OD, OH, OW]` (or unbatched).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        convTranspose3d(
            input, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
            groups: groups, dilation: dilation)
    }
}

/// Checks groups and bias of a convolution layer and makes leaf parameters require grad.
private func checkConvolutionLayer<Scalar>(
    _ layer: String, weight: Tensor<Scalar>, bias: Tensor<Scalar>?, outChannels: Int, groups: Int
) {
    precondition(
        groups > 0 && weight.shape[0] % groups == 0,
        "\(layer): \(weight.shape[0]) channels of weight \(weight.shape) are not divisible by \(groups) groups")
    if let bias {
        precondition(bias.shape == [outChannels], "\(layer): bias shape \(bias.shape), expected [\(outChannels)]")
        if bias.isLeaf { bias.requiresGrad = true }
    }
    if weight.isLeaf { weight.requiresGrad = true }
}

// 2-D convolution, NCHW, PyTorch semantics, on the SIMD GEMM with the im2col matrix read in place.
//
// Notation: input x [N, C, H, W], weight w [O, C/G, KH, KW], output y [N, O, OH, OW]; G groups,
// Cg = C/G, Og = O/G, K = Cg·KH·KW (taps), P = OH·OW (pixels). Output (oh, ow) and tap
// q = (c, ki, kj) read input row oh·sh − pt + ki·dh and column ow·sw − pl + kj·dw (zero outside
// the image); pt, pl are the zeros before the first row and column.
//
// The im2col matrix of image n, group g — col[q, j] for q < K, j = (oh, ow) < P — is never
// stored. The image is read where it lies, or from a zero-bordered copy xp [C, Hp, Wp] when the
// window leaves it (padding), and col[q, j] = xp[tap(q) + pixel(j)] with two offset tables
//     tap(c, ki, kj) = c·Hp·Wp + ki·dh·Wp + kj·dw,     pixel(oh, ow) = oh·sh·Wp + ow·sw,
// through which the GEMM packs its A panels straight from the image (`ConvolutionMatrix`,
// Convolution+Packing.swift). The weights are packed into GEMM panels once per call and read in
// place for every image (`GEMMPackedMatrix`).
//
//   forward         for n, for g, for blocks I of pixels (|I|·Og ≤ 2¹⁶):
//                                   yᵀ (|I|×Og) = col(x[n],g)[:, I]ᵀ (|I|×K) · w[g]ᵀ (K×Og)
//                                   y[n,g][:, I] = transpose(yᵀ) + bias   (8 × 8 register transposes)
//   backwardData    for n, for g, for blocks J of whole output rows (K·|J| ≤ 2¹⁶):
//                                   dcol (K×|J|) = w[g]ᵀ (K×Og) · dy[n,g][:, J] (Og×|J|)
//                                   col2im: xp[tap(q) + pixel(j)] += dcol[q, j]   (Convolution+Col2im.swift)
//                   then dx[n] = interior of xp (+ bias). This is also the forward pass of a
//                   transposed convolution.
//   backwardWeight  images in fixed chunks; for each chunk, for n in it (in order), for g:
//                                   dwᵀ_chunk[g] (K×Og) += col(x[n],g) (K×P) · dy[n,g]ᵀ (P×Og)
//                   then dw = transpose(dwᵀ_chunk0 + dwᵀ_chunk1 + …), chunks added in order.
//
// With few taps (K ≤ 32, unit horizontal stride, output rows of ≥ 2 vectors: a first layer),
// the forward and weight-gradient passes use direct kernels instead (Convolution+Direct.swift).
// With unit strides: backwardData is the forward pass of the flipped convolution
// (Convolution+Flipped.swift), and with Og ≤ 16 the forward and weight-gradient passes run on
// the padded grid, reading the image in place (Convolution+Grid.swift, +GridWeight.swift).
// With strides > 1, kernels a multiple of the stride and ≥ 8 input channels per group,
// backwardData is one stride-1 GEMM per phase of the input (Convolution+Polyphase.swift).
// GEMMs whose C has at most half a tile of columns use half-width vectors (`narrow`).
//
// Each GEMM runs the blocked loops and micro-kernel of GEMM.swift (BLIS order, KC = 256 in equal
// blocks, MC = 144, 6 × 2-vector register tile). Buffers per thread: the bordered copy of one
// image, one block of yᵀ and one column block (≤ 2¹⁶ scalars each); per call: the packed
// weights and at most 16 weight-sized chunk sums. No full im2col buffer for any input.
//
// Threads: when there are at least as many images as threads, whole images go to each thread
// (contiguous ranges), each running single-threaded GEMMs with its own buffers; otherwise the
// images run one after another and each GEMM splits its C over the threads. A GEMM's result
// does not depend on its thread count, so forward and backwardData give the same bits for any
// thread count. backwardWeight reduces over images: the chunks (at most 16, fixed by the shape
// alone) are summed in chunk order, whichever thread computed them, so it too gives the same bits
// for every thread count.

/// The shape of one 2-D convolution: sizes, stride, padding, dilation and groups (PyTorch's
/// `conv2d` arguments), with the output size stated rather than derived, so that asymmetric
/// padding (`padding='same'` with an even kernel) and transposed convolutions with
/// `output_padding` are described exactly.
///
/// Output position `(oh, ow)` with kernel tap `(ki, kj)` reads input row
/// `oh·strideHeight − paddingTop + ki·dilationHeight` and column
/// `ow·strideWidth − paddingLeft + kj·dilationWidth`; positions outside the input read zero.
public struct ConvolutionGeometry: Sendable, Hashable, CustomStringConvertible {
    /// Images in the batch (N).
    public var batch: Int
    /// Channels of the input (C).
    public var inputChannels: Int
    /// Channels of the output (O).
    public var outputChannels: Int
    /// Groups (G): input and output channels split into G groups, each convolved separately.
    public var groups: Int
    /// Input height (H).
    public var inputHeight: Int
    /// Input width (W).
    public var inputWidth: Int
    /// Output height (OH).
    public var outputHeight: Int
    /// Output width (OW).
    public var outputWidth: Int
    /// Kernel height (KH).
    public var kernelHeight: Int
    /// Kernel width (KW).
    public var kernelWidth: Int
    /// Vertical stride.
    public var strideHeight: Int
    /// Horizontal stride.
    public var strideWidth: Int
    /// Zero rows before the first input row.
    public var paddingTop: Int
    /// Zero columns before the first input column.
    public var paddingLeft: Int
    /// Vertical dilation (spacing of kernel taps).
    public var dilationHeight: Int
    /// Horizontal dilation.
    public var dilationWidth: Int

    /// Creates a geometry; stops with a message naming the bad value.
    public init(
        batch: Int, inputChannels: Int, outputChannels: Int, groups: Int = 1,
        inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
        paddingTop: Int = 0, paddingLeft: Int = 0, dilationHeight: Int = 1, dilationWidth: Int = 1
    ) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.groups = groups
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.paddingTop = paddingTop
        self.paddingLeft = paddingLeft
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        precondition(
            [batch, inputChannels, outputChannels, inputHeight, inputWidth, outputHeight, outputWidth, paddingTop, paddingLeft]
                .allSatisfy { $0 >= 0 }
                && [groups, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth]
                    .allSatisfy { $0 > 0 },
            "convolution: invalid geometry \(self)")
        precondition(
            inputChannels % groups == 0 && outputChannels % groups == 0,
            "convolution: \(groups) groups do not divide \(inputChannels) input and \(outputChannels) output channels")
    }

    /// The output length along one dimension: `⌊(input + padding − dilation·(kernel − 1) − 1) / stride⌋ + 1`,
    /// where `padding` is the total of both sides; 0 when the dilated kernel does not fit.
    public static func outputLength(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        let span = input + padding - dilation * (kernel - 1) - 1
        return span < 0 ? 0 : span / stride + 1
    }

    /// Input channels per group (Cg).
    public var inputChannelsPerGroup: Int { inputChannels / groups }
    /// Output channels per group (Og).
    public var outputChannelsPerGroup: Int { outputChannels / groups }
    /// Weight entries per output channel: `Cg·KH·KW` (the GEMM depth K).
    public var taps: Int { inputChannelsPerGroup * kernelHeight * kernelWidth }
    /// Elements of the input, `N·C·H·W`.
    public var inputCount: Int { batch * inputChannels * inputHeight * inputWidth }
    /// Elements of the output, `N·O·OH·OW`.
    public var outputCount: Int { batch * outputChannels * outputHeight * outputWidth }
    /// Elements of the weight, `O·Cg·KH·KW`.
    public var weightCount: Int { outputChannels * taps }

    /// `[N, C, H, W] → [N, O, OH, OW]`, kernel, stride, padding, dilation, groups.
    public var description: String {
        "[\(batch), \(inputChannels), \(inputHeight), \(inputWidth)] → [\(batch), \(outputChannels), \(outputHeight), \(outputWidth)], "
            + "kernel \(kernelHeight)×\(kernelWidth), stride (\(strideHeight), \(strideWidth)), "
            + "padding (\(paddingTop), \(paddingLeft)), dilation (\(dilationHeight), \(dilationWidth)), groups \(groups)"
    }
}

/// 2-D convolution kernels (NCHW, PyTorch's cross-correlation): the forward pass, the gradient
/// with respect to the input (which is also a transposed convolution's forward pass) and the
/// gradient with respect to the weight. All buffers are dense and row-major: input
/// `[N, C, H, W]`, weight `[O, C/G, KH, KW]`, output `[N, O, OH, OW]`, bias `[O]` (or `[C]` for
/// ``backwardData(_:gradOutput:weight:bias:gradInput:)``).
///
/// Results are bitwise identical for every ``Threading/threadCount``.
public enum Convolution {
    /// `output = conv(input, weight) + bias`. `output` is overwritten.
    public static func forward<T: KernelScalar>(
        _ geometry: ConvolutionGeometry, input: UnsafePointer<T>, weight: UnsafePointer<T>,
        bias: UnsafePointer<T>?, output: UnsafeMutablePointer<T>
    ) {
        if T.self == Float.self {
            ConvolutionPlan<GEMMVector.Float>(geometry).forward(
                rebind(input, Float.self), rebind(weight, Float.self), bias.map { rebind($0, Float.self) },
                rebind(output, Float.self))
        } else if T.self == Double.self {
            ConvolutionPlan<GEMMVector.Double>(geometry).forward(
                rebind(input, Double.self), rebind(weight, Double.self), bias.map { rebind($0, Double.self) },
                rebind(output, Double.self))
        } else {
            fatalError("convolution: unsupported scalar type \(T.self)")
        }
    }

    /// `gradInput = ∂⟨conv(x, weight), gradOutput⟩/∂x` (+ `bias[c]` on input channel `c`): the
    /// adjoint of ``forward(_:input:weight:bias:output:)`` in its input, which is the forward pass
    /// of a transposed convolution. `gradInput` (`[N, C, H, W]`) is overwritten.
    public static func backwardData<T: KernelScalar>(
        _ geometry: ConvolutionGeometry, gradOutput: UnsafePointer<T>, weight: UnsafePointer<T>,
        bias: UnsafePointer<T>?, gradInput: UnsafeMutablePointer<T>
    ) {
        if T.self == Float.self {
            ConvolutionPlan<GEMMVector.Float>(geometry).backwardData(
                rebind(gradOutput, Float.self), rebind(weight, Float.self), bias.map { rebind($0, Float.self) },
                rebind(gradInput, Float.self))
        } else if T.self == Double.self {
            ConvolutionPlan<GEMMVector.Double>(geometry).backwardData(
                rebind(gradOutput, Double.self), rebind(weight, Double.self), bias.map { rebind($0, Double.self) },
                rebind(gradInput, Double.self))
        } else {
            fatalError("convolution: unsupported scalar type \(T.self)")
        }
    }

    /// `gradWeight = ∂⟨conv(input, w), gradOutput⟩/∂w`, summed over the batch in a fixed order.
    /// `gradWeight` (`[O, C/G, KH, KW]`) is overwritten.
    public static func backwardWeight<T: KernelScalar>(
        _ geometry: ConvolutionGeometry, input: UnsafePointer<T>, gradOutput: UnsafePointer<T>,
        gradWeight: UnsafeMutablePointer<T>
    ) {
        if T.self == Float.self {
            ConvolutionPlan<GEMMVector.Float>(geometry).backwardWeight(
                rebind(input, Float.self), rebind(gradOutput, Float.self), rebind(gradWeight, Float.self))
        } else if T.self == Double.self {
            ConvolutionPlan<GEMMVector.Double>(geometry).backwardWeight(
                rebind(input, Double.self), rebind(gradOutput, Double.self), rebind(gradWeight, Double.self))
        } else {
            fatalError("convolution: unsupported scalar type \(T.self)")
        }
    }
}

import GlassboxKernels

// 2-D pooling over NCHW tensors ([N, C, H, W], or unbatched [C, H, W]): max pooling, average
// pooling and adaptive average pooling, each a free function like `torch.nn.functional`'s, with
// forward and backward side by side. The derivation is in Docs/Pooling.md.
//
// Primitives (each a `DifferentiableOp` with a catalog entry):
// - `maxPool2d`: the kernel finds each window's maximum and its position; the backward is
//   `planeScatterAdd` of the gradient to those positions, whose backward is `planeGather` by the
//   same positions, and vice versa, so derivatives of any order exist.
// - `avgPool2d` / `adaptiveAvgPool2d`: a window average (one kernel, per-axis window tables);
//   the backward is its adjoint `avgPool2dBackward`, whose backward is the window average again.

/// The positions, within planes, that a gather reads (max pooling's argmax, nearest
/// upsampling's source map): the saved state of `planeGather`/`planeScatterAdd`.
struct PlaneIndexMap: Sendable {
    /// The spatial size `[H, W]` of the planes indexed into.
    let inputSize: [Int]
    /// The spatial size `[H', W']` of the gathered planes.
    let outputSize: [Int]
    /// `h·W + w` per gathered element: one map per plane (`planes · H'·W'` entries) or one
    /// shared by every plane (`H'·W'` entries).
    let indices: [Int32]
    /// Whether one map serves every plane.
    let shared: Bool

    var inputCount: Int { inputSize.reduce(1, *) }
    var outputCount: Int { outputSize.reduce(1, *) }
}

/// The window tables of an averaging pool: the saved state of `avgPool2d`,
/// `adaptiveAvgPool2d` and `avgPool2dBackward`.
struct AveragePoolingPlan: Sendable {
    /// The spatial size `[H, W]` of the input.
    let inputSize: [Int]
    /// The windows along the height.
    let rows: PoolingWindows
    /// The windows along the width.
    let columns: PoolingWindows
    /// A fixed divisor replacing the window sizes (`divisor_override`).
    let divisorOverride: Int?

    var outputSize: [Int] { [rows.count, columns.count] }
}

extension Tensor {
    /// Splits a `[…, H, W]` shape checked against `spatial` into the number of planes and the
    /// leading dimensions.
    func planeLayout(spatial: [Int], op: String) -> (count: Int, leading: [Int]) {
        precondition(
            rank >= 2 && Array(shape.suffix(2)) == spatial,
            "\(op): tensor of shape \(shape) does not end in the spatial size \(spatial)")
        let leading = Array(shape.dropLast(2))
        return (leading.reduce(1, *), leading)
    }

    /// `y[p, o] = x[p, map[o]]` per plane: the gather behind max pooling's forward values and
    /// nearest upsampling. Derivative: ``planeScatterAdded(_:)`` by the same map.
    func planeGathered(_ map: PlaneIndexMap) -> Tensor {
        let (planes, leading) = self.planeLayout(spatial: map.inputSize, op: "planeGather")
        precondition(
            map.shared || map.indices.count == planes * map.outputCount,
            "planeGather: \(map.indices.count) indices for \(planes) planes of \(map.outputSize)")
        let out = Tensor.empty(leading + map.outputSize)
        map.indices.withUnsafeBufferPointer { indices in
            Pooling.gather(
                storage.pointer, out.storage.pointer, indices.baseAddress!, planes: planes,
                inputCount: map.inputCount, outputCount: map.outputCount, sharedIndices: map.shared)
        }
        return out.recorded(.planeGather, [self]) { g, _ in [g.planeScatterAdded(map)] }
    }

    /// The adjoint of ``planeGathered(_:)``: zeros of the planes' size with `self[p, o]` added at
    /// `map[o]` (in order, so repeated positions accumulate). Derivative: ``planeGathered(_:)``.
    func planeScatterAdded(_ map: PlaneIndexMap) -> Tensor {
        let (planes, leading) = self.planeLayout(spatial: map.outputSize, op: "planeScatterAdd")
        precondition(
            map.shared || map.indices.count == planes * map.outputCount,
            "planeScatterAdd: \(map.indices.count) indices for \(planes) planes of \(map.outputSize)")
        let out = Tensor.empty(leading + map.inputSize)
        map.indices.withUnsafeBufferPointer { indices in
            Pooling.scatterAdd(
                storage.pointer, out.storage.pointer, indices.baseAddress!, planes: planes,
                inputCount: map.inputCount, outputCount: map.outputCount, sharedIndices: map.shared)
        }
        return out.recorded(.planeScatterAdd, [self]) { g, _ in [g.planeGathered(map)] }
    }

    /// The window averages of ``AveragePoolingPlan`` per plane, recorded as `op` (`avgPool2d` or
    /// `adaptiveAvgPool2d`). Derivative: ``averagePoolingAdjoint(_:)``.
    func averagePooled(_ plan: AveragePoolingPlan, op: DifferentiableOp) -> Tensor {
        let (planes, leading) = self.planeLayout(spatial: plan.inputSize, op: op.rawValue)
        let out = Tensor.empty(leading + plan.outputSize)
        Pooling.averageForward(
            storage.pointer, out.storage.pointer, planes: planes, inputHeight: plan.inputSize[0],
            inputWidth: plan.inputSize[1], rows: plan.rows, columns: plan.columns, divisorOverride: plan.divisorOverride)
        return out.recorded(op, [self]) { g, _ in [g.averagePoolingAdjoint(plan)] }
    }

    /// The adjoint (backward) of ``averagePooled(_:op:)``: each gradient element divided by its
    /// window's divisor and added over its window. Derivative: the window average again.
    func averagePoolingAdjoint(_ plan: AveragePoolingPlan) -> Tensor {
        let (planes, leading) = self.planeLayout(spatial: plan.outputSize, op: "avgPool2dBackward")
        let out = Tensor.empty(leading + plan.inputSize)
        Pooling.averageBackward(
            storage.pointer, out.storage.pointer, planes: planes, inputHeight: plan.inputSize[0],
            inputWidth: plan.inputSize[1], rows: plan.rows, columns: plan.columns, divisorOverride: plan.divisorOverride)
        return out.recorded(.avgPool2dBackward, [self]) { g, _ in [g.averagePooled(plan, op: .avgPool2d)] }
    }
}

/// Checks that `input` is `[N, C, H, W]` or `[C, H, W]` with non-empty planes; returns `[H, W]`.
func spatialSize<Scalar>(of input: Tensor<Scalar>, op: String) -> [Int] {
    precondition(
        (input.rank == 3 || input.rank == 4) && input.shape.suffix(2).allSatisfy { $0 > 0 },
        "\(op): expected a [N, C, H, W] or [C, H, W] input with non-empty H and W, got shape \(input.shape)")
    return Array(input.shape.suffix(2))
}

/// The pooling geometry of both spatial axes, with PyTorch's argument checks.
func poolingAxes(
    op: String, spatial: [Int], kernelSize: (Int, Int), stride: (Int, Int)?, padding: (Int, Int),
    dilation: (Int, Int), ceilMode: Bool
) -> (height: PoolingAxis, width: PoolingAxis) {
    let kernel = [kernelSize.0, kernelSize.1]
    let step = stride.map { [$0.0, $0.1] } ?? kernel
    let pad = [padding.0, padding.1], dil = [dilation.0, dilation.1]
    precondition(kernel.allSatisfy { $0 > 0 }, "\(op): kernelSize must be positive, got \(kernel)")
    precondition(step.allSatisfy { $0 > 0 }, "\(op): stride must be positive, got \(step)")
    precondition(dil.allSatisfy { $0 > 0 }, "\(op): dilation must be positive, got \(dil)")
    precondition(
        pad.allSatisfy { $0 >= 0 } && pad[0] <= kernel[0] / 2 && pad[1] <= kernel[1] / 2,
        "\(op): padding \(pad) must be non-negative and at most half of kernelSize \(kernel)")
    let axes = (0..<2).map {
        PoolingAxis(input: spatial[$0], kernel: kernel[$0], stride: step[$0], padding: pad[$0], dilation: dil[$0], ceilMode: ceilMode)
    }
    precondition(
        axes.allSatisfy { $0.output > 0 },
        "\(op): input of spatial size \(spatial) is too small for kernelSize \(kernel), stride \(step), padding \(pad), dilation \(dil): output would be \(axes.map(\.output))")
    return (axes[0], axes[1])
}

/// 2-D max pooling over `[N, C, H, W]` or `[C, H, W]`, like `torch.nn.functional.max_pool2d`.
///
/// Output `(oh, ow)` is the largest element of the window starting at
/// `(oh·stride − padding, ow·stride − padding)` with `kernelSize` elements `dilation` apart;
/// padding never wins. Output size per axis:
/// `⌊(in + 2·padding − dilation·(kernel − 1) − 1 + (ceilMode ? stride − 1 : 0)) / stride⌋ + 1`,
/// minus one in ceil mode if the last window would start beyond the input and left padding.
/// Ties go to the first maximum in row-major window order; NaN propagates. Every window must
/// hold an input element (a dilated window can miss the input entirely; PyTorch then returns −∞).
///
/// Backward: the gradient of each output goes to the position of its maximum (summed where
/// windows overlap).
///
/// - Parameters:
///   - kernelSize: the window `(height, width)`.
///   - stride: the step between windows; `nil` means `kernelSize`.
///   - padding: implicit padding on each side, at most half the kernel.
///   - dilation: the step between window elements.
///   - ceilMode: round the output size up instead of down.
public func maxPool2d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
) -> Tensor<Scalar> {
    let spatial = spatialSize(of: input, op: "maxPool2d")
    let (height, width) = poolingAxes(
        op: "maxPool2d", spatial: spatial, kernelSize: kernelSize, stride: stride, padding: padding,
        dilation: dilation, ceilMode: ceilMode)
    precondition(
        height.everyWindowOverlapsInput && width.everyWindowOverlapsInput,
        "maxPool2d: with input of shape \(input.shape), kernelSize \(kernelSize), padding \(padding) and dilation \(dilation) a window lies entirely in the padding")
    let (planes, leading) = input.planeLayout(spatial: spatial, op: "maxPool2d")
    let output = Tensor<Scalar>.empty(leading + [height.output, width.output])
    var indices = [Int32](repeating: 0, count: output.count)
    indices.withUnsafeMutableBufferPointer { ip in
        Pooling.maxForward(
            input.storage.pointer, output.storage.pointer, ip.baseAddress!, planes: planes, height: height, width: width)
    }
    let map = PlaneIndexMap(inputSize: spatial, outputSize: [height.output, width.output], indices: indices, shared: false)
    return output.recorded(.maxPool2d, [input]) { g, _ in [g.planeScatterAdded(map)] }
}

/// ``maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)`` with the same size on both
/// axes (PyTorch's integer arguments).
public func maxPool2d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
    ceilMode: Bool = false
) -> Tensor<Scalar> {
    maxPool2d(
        input, kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
        dilation: (dilation, dilation), ceilMode: ceilMode)
}

/// 2-D average pooling over `[N, C, H, W]` or `[C, H, W]`, like
/// `torch.nn.functional.avg_pool2d`.
///
/// Output `(oh, ow)` is the sum over the window starting at `(oh·stride − padding,
/// ow·stride − padding)` (clipped to the input) divided by `divisorOverride` if given, else by
/// the window's size counting padding (`countIncludePad`, but never beyond `in + padding`) or
/// not. Output sizes follow ``maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)`` with
/// dilation 1. A window entirely in the padding (possible in ceil mode) gives 0.
///
/// Backward: each output's gradient, divided by the same divisor, is added to every input
/// position of its window.
///
/// - Parameters:
///   - kernelSize: the window `(height, width)`.
///   - stride: the step between windows; `nil` means `kernelSize`.
///   - padding: implicit zero padding on each side, at most half the kernel.
///   - ceilMode: round the output size up instead of down.
///   - countIncludePad: whether padded positions count in the divisor.
///   - divisorOverride: a fixed positive divisor.
public func avgPool2d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
    ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil
) -> Tensor<Scalar> {
    let spatial = spatialSize(of: input, op: "avgPool2d")
    let (height, width) = poolingAxes(
        op: "avgPool2d", spatial: spatial, kernelSize: kernelSize, stride: stride, padding: padding, dilation: (1, 1),
        ceilMode: ceilMode)
    if let divisorOverride {
        precondition(divisorOverride > 0, "avgPool2d: divisorOverride must be positive, got \(divisorOverride)")
    }
    let plan = AveragePoolingPlan(
        inputSize: spatial, rows: PoolingWindows(averaging: height, countIncludePad: countIncludePad),
        columns: PoolingWindows(averaging: width, countIncludePad: countIncludePad), divisorOverride: divisorOverride)
    return input.averagePooled(plan, op: .avgPool2d)
}

/// ``avgPool2d(_:kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)`` with
/// the same size on both axes.
public func avgPool2d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
    countIncludePad: Bool = true, divisorOverride: Int? = nil
) -> Tensor<Scalar> {
    avgPool2d(
        input, kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
        ceilMode: ceilMode, countIncludePad: countIncludePad, divisorOverride: divisorOverride)
}

/// Adaptive 2-D average pooling to a fixed output size, like
/// `torch.nn.functional.adaptive_avg_pool2d`.
///
/// Output `i` along an axis of input size `n` and output size `m` averages input positions
/// `⌊i·n/m⌋ ..< ⌈(i + 1)·n/m⌉` (bins overlap when `m` does not divide `n`). Backward: each
/// output's gradient divided by its bin's size is added over the bin.
///
/// - Parameter outputSize: `(height, width)`; `nil` keeps that input size.
public func adaptiveAvgPool2d<Scalar>(_ input: Tensor<Scalar>, outputSize: (Int?, Int?)) -> Tensor<Scalar> {
    let spatial = spatialSize(of: input, op: "adaptiveAvgPool2d")
    let size = [outputSize.0 ?? spatial[0], outputSize.1 ?? spatial[1]]
    precondition(size.allSatisfy { $0 > 0 }, "adaptiveAvgPool2d: outputSize must be positive, got \(size)")
    let plan = AveragePoolingPlan(
        inputSize: spatial, rows: PoolingWindows(adaptiveInput: spatial[0], output: size[0]),
        columns: PoolingWindows(adaptiveInput: spatial[1], output: size[1]), divisorOverride: nil)
    return input.averagePooled(plan, op: .adaptiveAvgPool2d)
}

/// ``adaptiveAvgPool2d(_:outputSize:)`` to a square `outputSize × outputSize`.
public func adaptiveAvgPool2d<Scalar>(_ input: Tensor<Scalar>, outputSize: Int) -> Tensor<Scalar> {
    adaptiveAvgPool2d(input, outputSize: (outputSize, outputSize))
}

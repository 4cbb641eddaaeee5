import Glassbox
import GlassboxIO

// Gradient rules of Conv, ConvTranspose, the pools and Resize on Glassbox's 2-d ops: 1-d inputs
// run as 2-d with a height of 1; asymmetric convolution pads become an explicit zero `pad`
// first; ConvTranspose computes the unpadded output and cuts (or zero-extends) it to ONNX's
// window; Resize applies, axis by axis, the linear map the plain Resize applies (read off by
// interpolating an identity matrix), with Glassbox's `resampled`.

/// The spatial geometry of a windowed node, as 2-d: `(height, width)` pairs, 1-d as height 1.
private struct Window2D {
    var kernel: (Int, Int)
    var strides: (Int, Int)
    var dilations: (Int, Int)
    /// Pads before and after, per axis.
    var begin: (Int, Int)
    var end: (Int, Int)
}

/// `x` as `[N, C, H, W]` (a 1-d `[N, C, L]` gets H = 1), or an error for other ranks.
private func as2D<Scalar>(_ x: Tensor<Scalar>, _ c: GradientNodeContext<Scalar>) throws -> Tensor<Scalar> {
    switch x.rank {
    case 4: return x
    case 3: return x.unsqueezed(2)
    default: throw c.fail("no gradient for \(c.plain.node.opType) on \(x.rank - 2)-d input \(x.shape) (1-d and 2-d only)")
    }
}

/// The 2-d window of a node over `x` (already 2-d), kernel `kernel` (2 entries).
private func window<Scalar>(_ c: GradientNodeContext<Scalar>, spatial: [Int], kernel: [Int], ceil: Bool = false) throws -> Window2D {
    let oneD = spatial.count == 1
    func pair(_ v: [Int]) -> (Int, Int) { oneD ? (1, v[0]) : (v[0], v[1]) }
    let n = spatial.count
    let strides = c.plain.ints("strides") ?? [Int](repeating: 1, count: n)
    let dilations = c.plain.ints("dilations") ?? [Int](repeating: 1, count: n)
    let g = try WindowGeometry(c.plain, input: spatial, kernel: kernel, strides: strides, dilations: dilations, ceil: ceil)
    func padPair(_ v: [Int]) -> (Int, Int) { oneD ? (0, v[0]) : (v[0], v[1]) }
    return Window2D(kernel: pair(kernel), strides: pair(strides), dilations: pair(dilations), begin: padPair(g.begin), end: padPair(g.end))
}

/// Back to the node's rank: a 1-d node's output drops the height of 1.
private func restored<Scalar>(_ y: Tensor<Scalar>, oneD: Bool) -> Tensor<Scalar> { oneD ? y.squeezed(2) : y }

private func convolutionRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let x0 = try c.tensor(0), w0 = try c.tensor(1)
    let oneD = x0.rank == 3
    var x = try as2D(x0, c)
    let w = try as2D(w0, c)
    let win = try window(c, spatial: Array(x0.shape[2...]), kernel: Array(w0.shape[2...]))
    var padding = ConvPadding.explicit(height: win.begin.0, width: win.begin.1)
    if win.begin != win.end {
        x = pad(x, [win.begin.1, win.end.1, win.begin.0, win.end.0])
        padding = 0
    }
    let y = conv2d(
        x, weight: w, bias: try c.optionalTensor(2), stride: Size2D(win.strides.0, win.strides.1), padding: padding,
        dilation: Size2D(win.dilations.0, win.dilations.1), groups: c.plain.int("group", 1))
    return [restored(y, oneD: oneD)]
}

private func convTransposeRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let x0 = try c.tensor(0), w0 = try c.tensor(1)
    let oneD = x0.rank == 3
    let x = try as2D(x0, c), w = try as2D(w0, c)
    let spatial = Array(x0.shape[2...]), n = spatial.count
    let kernel = c.plain.ints("kernel_shape") ?? Array(w0.shape[2...])
    let strides = c.plain.ints("strides") ?? [Int](repeating: 1, count: n)
    let dilations = c.plain.ints("dilations") ?? [Int](repeating: 1, count: n)
    let (pads, outShape) = convTransposeGeometry(c.plain, spatial: spatial, kernel: kernel, strides: strides, dilations: dilations)
    func pair(_ v: [Int]) -> Size2D { oneD ? Size2D(1, v[0]) : Size2D(v[0], v[1]) }
    var y = convTranspose2d(
        x, weight: w, stride: pair(strides), padding: 0, outputPadding: 0, groups: c.plain.int("group", 1),
        dilation: pair(dilations))
    for i in 0..<n {
        let dim = y.rank - n + i
        let end = pads[i] + outShape[i]
        if end > y.shape[dim] { y = y.padded(dim: dim, to: end, offset: 0) }
        y = y.sliced(dim: dim, pads[i]..<end)
    }
    if let bias = try c.optionalTensor(2) { y = y + bias.reshaped([1, bias.count, 1, 1]) }
    return [restored(y, oneD: oneD)]
}

private func poolRule<Scalar>(_ c: GradientNodeContext<Scalar>, max: Bool) throws -> [Tensor<Scalar>?] {
    if c.plain.node.outputs.count > 1 && !c.plain.node.outputs[1].isEmpty { throw c.fail("no gradient for MaxPool indices") }
    let x0 = try c.tensor(0)
    let oneD = x0.rank == 3
    let x = try as2D(x0, c)
    guard let kernel = c.plain.ints("kernel_shape") else { throw c.fail("kernel_shape is missing") }
    let ceil = c.plain.int("ceil_mode", 0) != 0
    let win = try window(c, spatial: Array(x0.shape[2...]), kernel: kernel, ceil: ceil)
    guard win.begin == win.end else { throw c.fail("no gradient for pooling with asymmetric pads") }
    if !max && win.dilations != (1, 1) { throw c.fail("no gradient for AveragePool with dilations") }
    let y = max
        ? maxPool2d(x, kernelSize: win.kernel, stride: win.strides, padding: win.begin, dilation: win.dilations, ceilMode: ceil)
        : avgPool2d(
            x, kernelSize: win.kernel, stride: win.strides, padding: win.begin, ceilMode: ceil,
            countIncludePad: c.plain.int("count_include_pad", 0) != 0)
    return [restored(y, oneD: oneD)]
}

private func resizeRule<Scalar>(_ c: GradientNodeContext<Scalar>, upsample: Bool) throws -> [Tensor<Scalar>?] {
    var x = try c.tensor(0)
    let plan = try resizePlan(c.plain, inputShape: x.shape, upsample: upsample)
    if plan.settings.coordinates == "tf_crop_and_resize" && plan.settings.extrapolation != 0 {
        throw c.fail("no gradient for tf_crop_and_resize with a non-zero extrapolation_value")
    }
    for step in plan.steps {
        let n = x.shape[step.axis]
        var identity = [Double](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * n + i] = 1 }
        let weights = plan.settings.interpolate(identity, shape: [n, n], axis: 1, scale: step.scale, outWidth: step.outWidth, roi: step.roi)
        let taps: [[(source: Int, weight: Double)]] = (0..<step.outWidth).map { o in
            (0..<n).compactMap { j in weights[j * step.outWidth + o] != 0 ? (j, weights[j * step.outWidth + o]) : nil }
        }
        x = x.resampled(dim: step.axis, table: ResamplingTable(inputSize: n, taps: taps))
    }
    return [x]
}

/// The rule of a convolution, pooling or resizing op.
func convolutionGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    switch op {
    case "Conv": return { try convolutionRule($0) }
    case "ConvTranspose": return { try convTransposeRule($0) }
    case "MaxPool": return { try poolRule($0, max: true) }
    case "AveragePool": return { try poolRule($0, max: false) }
    case "GlobalAveragePool":
        return { c in
            let x = try c.tensor(0)
            return [(2..<x.rank).reversed().reduce(x) { $0.mean(dim: $1, keepDim: true) }]
        }
    case "GlobalMaxPool":
        return { c in
            let x = try c.tensor(0)
            return [(2..<x.rank).reversed().reduce(x) { $0.max(dim: $1, keepDim: true).values }]
        }
    case "Resize": return { try resizeRule($0, upsample: false) }
    case "Upsample": return { try resizeRule($0, upsample: true) }
    default: return nil
    }
}

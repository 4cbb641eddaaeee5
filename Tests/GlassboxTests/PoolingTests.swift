import Glassbox
import GlassboxIO
import Testing

// Pooling and upsampling through the public API: worked examples with exact values and
// gradients, batched/unbatched and module/functional agreement, recorded op names, and second
// derivatives through the gather/scatter and average/adjoint pairs.

/// `[1, 1, h, w]` holding `values` (row-major), requiring grad.
private func image(_ values: [Double], _ h: Int, _ w: Int) -> Tensor<Double> {
    Tensor(values, shape: [1, 1, h, w], requiresGrad: true)
}

/// ∂⟨f(x), g⟩/∂x.
private func gradient(_ f: (Tensor<Double>) -> Tensor<Double>, at x: Tensor<Double>, _ g: Tensor<Double>) -> [Double] {
    Tensor.gradients(of: f(x), withRespectTo: [x], gradOutput: g)[0].scalars
}

@Suite("Pooling")
struct PoolingTests {
    @Test("maxPool2d: a worked 4×4 example, values and gradient")
    func maxPoolExample() {
        let x = image([1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 6, 7, 9, 1, 3, 2], 4, 4)
        let y = maxPool2d(x, kernelSize: 2)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.scalars == [5, 8, 9, 7])
        #expect(y.gradFunctionName == "maxPool2d")
        let g = gradient({ maxPool2d($0, kernelSize: 2) }, at: x, Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2]))
        #expect(g == [0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 3, 0, 0, 0])
    }

    @Test("maxPool2d: overlapping windows add their gradients; ties go to the first maximum")
    func maxPoolOverlapAndTies() {
        // 3×3 windows, stride 1, over a 3×4 input whose maximum 9 is in both windows.
        let x = image([1, 2, 3, 0, 4, 9, 5, 1, 2, 3, 1, 6], 3, 4)
        let y = maxPool2d(x, kernelSize: 3, stride: 1)
        #expect(y.scalars == [9, 9])
        #expect(gradient({ maxPool2d($0, kernelSize: 3, stride: 1) }, at: x, Tensor([1, 10], shape: [1, 1, 1, 2]))[5] == 11)
        let ties = image([2, 2, 2, 2], 2, 2)
        #expect(gradient({ maxPool2d($0, kernelSize: 2) }, at: ties, Tensor.ones([1, 1, 1, 1])) == [1, 0, 0, 0])
    }

    @Test("maxPool2d: padding, dilation, ceil mode and rectangular arguments give PyTorch's sizes")
    func maxPoolShapes() {
        let x = Tensor<Float>.randn([2, 3, 7, 9])
        #expect(maxPool2d(x, kernelSize: 3, stride: 2, padding: 1).shape == [2, 3, 4, 5])
        #expect(maxPool2d(x, kernelSize: 2, ceilMode: true).shape == [2, 3, 4, 5])
        #expect(maxPool2d(x, kernelSize: 2).shape == [2, 3, 3, 4])
        #expect(maxPool2d(x, kernelSize: (3, 2), stride: (1, 3), padding: (1, 0), dilation: (2, 1)).shape == [2, 3, 5, 3])
        // PyTorch: a 5-wide input, kernel 2, stride 4, padding 1, ceil mode → 2 (the third window
        // would start in the right padding).
        #expect(maxPool2d(Tensor<Float>.randn([1, 1, 5, 5]), kernelSize: 2, stride: 4, padding: 1, ceilMode: true).shape == [1, 1, 2, 2])
    }

    @Test("unbatched [C, H, W] input equals the batched result; modules equal the functions")
    func unbatchedAndModules() {
        var g = RandomGenerator(seed: 1)
        let x = Tensor<Float>.randn([3, 6, 5], generator: &g)
        let batched = x.reshaped([1, 3, 6, 5])
        #expect(maxPool2d(x, kernelSize: 2).scalars == maxPool2d(batched, kernelSize: 2).scalars)
        #expect(maxPool2d(x, kernelSize: 2).shape == [3, 3, 2])
        #expect(avgPool2d(x, kernelSize: 3, stride: 2, padding: 1).scalars == avgPool2d(batched, kernelSize: 3, stride: 2, padding: 1).scalars)
        #expect(adaptiveAvgPool2d(x, outputSize: (2, 4)).scalars == adaptiveAvgPool2d(batched, outputSize: (2, 4)).scalars)

        #expect(MaxPool2d<Float>(kernelSize: 2)(x).scalars == maxPool2d(x, kernelSize: 2).scalars)
        #expect(MaxPool2d<Float>(kernelSize: 2).stride == (2, 2) as (Int, Int))
        #expect(AvgPool2d<Float>(kernelSize: 2)(x).scalars == avgPool2d(x, kernelSize: 2).scalars)
        #expect(AdaptiveAvgPool2d<Float>(outputSize: 1)(batched).shape == [1, 3, 1, 1])
        #expect(AdaptiveAvgPool2d<Float>(outputSize: (nil, 2))(batched).shape == [1, 3, 6, 2])
        #expect(MaxPool2d<Float>(kernelSize: 2).parameters.isEmpty)
    }

    @Test("avgPool2d: count_include_pad, divisor override and ceil mode on a worked example")
    func avgPoolExample() {
        let x = image([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3)
        // Kernel 2, stride 2, padding 1: windows of 1, 2, 2 and 4 input elements.
        #expect(avgPool2d(x, kernelSize: 2, stride: 2, padding: 1).scalars == [0.25, 2.5 / 2, 5.5 / 2, 7])
        #expect(avgPool2d(x, kernelSize: 2, stride: 2, padding: 1, countIncludePad: false).scalars == [1, 2.5, 5.5, 7])
        #expect(avgPool2d(x, kernelSize: 2, stride: 2, padding: 1, divisorOverride: 2).scalars == [0.5, 2.5, 5.5, 14])
        #expect(avgPool2d(x, kernelSize: 2, ceilMode: true).scalars == [3, 4.5, 7.5, 9])
        #expect(avgPool2d(x, kernelSize: 2).gradFunctionName == "avgPool2d")
        // Backward: each output's gradient over its window, divided by its divisor.
        let g = gradient({ avgPool2d($0, kernelSize: 2, ceilMode: true) }, at: x, Tensor([4, 8, 12, 16], shape: [1, 1, 2, 2]))
        #expect(g == [1, 1, 4, 1, 1, 4, 6, 6, 16])
    }

    @Test("adaptiveAvgPool2d: global pooling is the plane mean; non-divisible bins overlap")
    func adaptiveExample() {
        var generator = RandomGenerator(seed: 2)
        let x = Tensor<Double>.randn([2, 3, 5, 7], generator: &generator)
        let pooled = adaptiveAvgPool2d(x, outputSize: 1)
        let mean = x.reshaped([2, 3, 35]).mean(dim: 2)
        for (a, b) in zip(pooled.scalars, mean.scalars) { #expect(abs(a - b) < 1e-14) }
        let row = image([1, 2, 3], 1, 3)
        // Bins [0, 2) and [1, 3).
        #expect(adaptiveAvgPool2d(row, outputSize: (1, 2)).scalars == [1.5, 2.5])
        #expect(gradient({ adaptiveAvgPool2d($0, outputSize: (1, 2)) }, at: row, Tensor([2, 4], shape: [1, 1, 1, 2])) == [1, 3, 2])
        #expect(adaptiveAvgPool2d(row, outputSize: (1, 2)).gradFunctionName == "adaptiveAvgPool2d")
    }

    @Test("upsampleNearest: scale factor 2, a size, PyTorch's scale rule, and the summed gradient")
    func upsampleExample() {
        let x = image([1, 2, 3, 4], 2, 2)
        let y = upsampleNearest(x, scaleFactor: 2)
        #expect(y.shape == [1, 1, 4, 4])
        #expect(y.scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(y.gradFunctionName == "upsampleNearest2d")
        #expect(gradient({ upsampleNearest($0, scaleFactor: 2) }, at: x, Tensor.ones([1, 1, 4, 4])) == [4, 4, 4, 4])
        #expect(upsampleNearest(x, size: (3, 1)).scalars == [1, 1, 3])
        #expect(Upsample<Double>(size: 3)(x).scalars == upsampleNearest(x, size: 3).scalars)
        // Six columns scaled by 1.55: 9 outputs; PyTorch reads columns ⌊d/1.55⌋, or ⌊d·6/9⌋
        // with recompute_scale_factor.
        let wide = image([0, 1, 2, 3, 4, 5], 1, 6)
        #expect(upsampleNearest(wide, scaleFactor: (1, 1.55)).scalars == [0, 0, 1, 1, 2, 3, 3, 4, 5])
        #expect(upsampleNearest(wide, scaleFactor: (1, 1.55), recomputeScaleFactor: true).scalars == [0, 0, 1, 2, 2, 3, 4, 4, 5])
        #expect(Upsample<Double>(scaleFactor: (1, 1.55), recomputeScaleFactor: true)(wide).scalars == [0, 0, 1, 2, 2, 3, 4, 4, 5])
        #expect(Upsample<Float>(scaleFactor: 2)(Tensor<Float>.zeros([2, 3, 4, 5])).shape == [2, 3, 8, 10])
    }

    @Test("second derivatives: max pool's backward is a recorded scatter whose gradient is a gather")
    func maxPoolSecondOrder() {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor<Double>.randn([1, 2, 4, 4], generator: &generator, requiresGrad: true)
        let v = Tensor<Double>.randn([1, 2, 2, 2], generator: &generator, requiresGrad: true)
        let u = Tensor<Double>.randn([1, 2, 4, 4], generator: &generator)
        let y = maxPool2d(x, kernelSize: 2)
        let h = Tensor.gradients(of: (y * v).sum(), withRespectTo: [x], createGraph: true)[0]
        #expect(h.gradFunctionName == "planeScatterAdd")
        // ∂⟨h, u⟩/∂v = u read at the argmax positions = the max pool's gather of u.
        let dv = Tensor.gradients(of: (h * u).sum(), withRespectTo: [v], createGraph: true)[0]
        #expect(dv.gradFunctionName == nil)  // u is a constant: no graph left
        let argmax = withoutGrad { maxPool2d(x, kernelSize: 2) }
        var expected: [Double] = []
        for (p, value) in argmax.scalars.enumerated() {
            let plane = p / 4
            let position = (0..<16).first { x.scalars[plane * 16 + $0] == value }!
            expected.append(u.scalars[plane * 16 + position])
        }
        #expect(dv.scalars == expected)
        // A third order: the gather of a recorded u differentiates back into a scatter.
        let w = Tensor<Double>.randn([1, 2, 4, 4], generator: &generator, requiresGrad: true)
        let dv2 = Tensor.gradients(of: (h * w).sum(), withRespectTo: [v], createGraph: true)[0]
        #expect(dv2.recordedOperations().contains(.planeGather))
        let dw = Tensor.gradients(of: (dv2 * v).sum(), withRespectTo: [w])[0]
        #expect(dw.scalars == h.scalars)
    }

    @Test("second derivatives: the average-pool adjoint differentiates back into the average")
    func averageSecondOrder() {
        var generator = RandomGenerator(seed: 4)
        let x = Tensor<Double>.randn([1, 1, 5, 5], generator: &generator, requiresGrad: true)
        let v = Tensor<Double>.randn([1, 1, 3, 3], generator: &generator, requiresGrad: true)
        let w = Tensor<Double>.randn([1, 1, 5, 5], generator: &generator)
        let pool = { (t: Tensor<Double>) in avgPool2d(t, kernelSize: 3, stride: 2, padding: 1, countIncludePad: false) }
        let h = Tensor.gradients(of: (pool(x) * v).sum(), withRespectTo: [x], createGraph: true)[0]
        #expect(h.gradFunctionName == "avgPool2dBackward")
        // ⟨Aᵀv, w⟩ = ⟨v, Aw⟩, so ∂/∂v = A w.
        let dv = Tensor.gradients(of: (h * w).sum(), withRespectTo: [v])[0]
        for (a, b) in zip(dv.scalars, pool(w).scalars) { #expect(abs(a - b) < 1e-14) }
    }

    @Test("reference registry: pooling arguments and inputs are checked with one-line errors")
    func referenceErrors() {
        func run(_ module: String, _ args: [(String, JSONValue)], shape: [Int] = [1, 1, 4, 4]) -> ReferenceError? {
            let input = SafeTensors(tensors: [("input", ArrayData(doubles: [Double](repeating: 1, count: shape.reduce(1, *)), shape: shape))])
            do {
                _ = try ReferenceRunner.run(ReferenceCase(module: module, args: JSONObject(args)), weights: SafeTensors(), inputs: input)
                return nil
            } catch let error as ReferenceError {
                return error
            } catch {
                return .unsupported("\(error)")
            }
        }
        #expect(run("MaxPool2d", [("kernel_size", .array([.integer(2), .integer(3)])), ("stride", .null)]) == nil)
        #expect(run("MaxPool2d", [("kernel_size", .integer(2)), ("padding", .integer(2))])
            == .invalidArgument(module: "MaxPool2d", name: "padding", expected: "non-negative and at most half of kernel_size"))
        #expect(run("MaxPool2d", [("kernel_size", .string("2"))])
            == .invalidArgument(module: "MaxPool2d", name: "kernel_size", expected: "an integer or a list of 2 integers"))
        #expect(run("MaxPool2d", [("kernel_size", .integer(5))])?.description.hasPrefix("inputs: entry 'input' has shape [1, 1, 4, 4]: too small") == true)
        #expect(run("MaxPool2d", [("kernel_size", .integer(2)), ("padding", .integer(1)), ("dilation", .integer(3))], shape: [1, 1, 2, 2])
            == .invalidInput(name: "input", problem: "has shape [1, 1, 2, 2]: a dilated window lies entirely in the padding"))
        #expect(run("AvgPool2d", [("kernel_size", .integer(2)), ("divisor_override", .integer(0))])
            == .invalidArgument(module: "AvgPool2d", name: "divisor_override", expected: "a positive integer or null"))
        #expect(run("AdaptiveAvgPool2d", [("output_size", .array([.null, .integer(0)]))]) != nil)
        #expect(run("AdaptiveAvgPool2d", [("output_size", .array([.null, .integer(2)]))], shape: [4, 4]) != nil)
        #expect(run("Upsample", [("scale_factor", .integer(2)), ("mode", .string("cubic"))])
            == .invalidArgument(
                module: "Upsample", name: "mode",
                expected: "one of 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area'"))
        #expect(run("Upsample", [("scale_factor", .integer(2)), ("size", .integer(3))]) != nil)
        #expect(run("Upsample", [("scale_factor", .integer(2)), ("mode", .string("bilinear"))], shape: [1, 4, 4])?.description.contains("expected [N, C, H, W]") == true)
        #expect(run("Upsample", [("scale_factor", .integer(2))], shape: [4, 4])?.description.contains("expected [N, C, L] or [N, C, H, W]") == true)
        #expect(run("Upsample", [("scale_factor", .number(0.1))])?.description.contains("gives an empty output") == true)
        #expect(run("MaxPool2d", [("kernel_size", .integer(2)), ("return_indices", .bool(true))]) != nil)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Resize (and Upsample): separable 1-d interpolation along each resized axis, as onnx's
// reference does it: nearest (four rounding modes), linear and cubic (with antialiasing for
// downscaling), six coordinate transformations, exclude_outside, extrapolation for
// tf_crop_and_resize, axes and keep_aspect_ratio_policy.

struct ResizeSettings {
    var mode = "nearest"
    var coordinates = "half_pixel"
    var nearestMode = "round_prefer_floor"
    var cubicA = -0.75
    var excludeOutside = false
    var extrapolation = 0.0
    var antialias = false

    func coefficients(_ ratio: Double, _ scale: Double) -> [Double] {
        switch mode {
        case "nearest":
            if ratio == ratio.rounded(.down) { return [0, 1] }
            switch nearestMode {
            case "round_prefer_ceil": return ratio < 0.5 ? [1, 0] : [0, 1]
            case "floor": return [1, 0]
            case "ceil": return [0, 1]
            default: return ratio <= 0.5 ? [1, 0] : [0, 1]
            }
        case "linear":
            guard antialias else { return [1 - ratio, ratio] }
            let s = Swift.min(scale, 1)
            let start = Int((-1 / s).rounded(.down)) + 1
            let footprint = 2 - 2 * start
            let c = (start..<(start + footprint)).map { Swift.min(Swift.max(1 - abs((Double($0) - ratio) * s), 0), 1) }
            let sum = c.reduce(0, +)
            return c.map { $0 / sum }
        default:
            let a = cubicA
            if antialias {
                let s = Swift.min(scale, 1)
                let start = Int((-2 / s).rounded(.down)) + 1
                let c = (start..<(2 - start)).map { i -> Double in
                    let x = abs(s * (Double(i) - ratio))
                    if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
                    if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
                    return 0
                }
                let sum = c.reduce(0, +)
                return c.map { $0 / sum }
            }
            let r = ratio
            return [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                    ((a + 2) * r - (a + 3)) * r * r + 1,
                    ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
                    ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a]
        }
    }

    /// Interpolates `data` (shape `shape`) along `axis` to `outWidth` elements.
    func interpolate(_ data: [Double], shape: [Int], axis: Int, scale: Double, outWidth: Int, roi: (Double, Double)?) -> [Double] {
        let width = shape[axis]
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var result = [Double](repeating: 0, count: outer * outWidth * inner)
        let outputWidth = scale * Double(width)
        for y in 0..<outWidth {
            let yd = Double(y)
            var x: Double
            var extrapolated = false
            switch coordinates {
            case "align_corners": x = outputWidth == 1 ? 0 : yd * Double(width - 1) / (outputWidth - 1)
            case "asymmetric": x = yd / scale
            case "tf_crop_and_resize":
                let (r0, r1) = roi ?? (0, 1)
                x = outputWidth == 1 ? (r1 - r0) * Double(width - 1) / 2 : yd * (r1 - r0) * Double(width - 1) / (outputWidth - 1)
                x += r0 * Double(width - 1)
                extrapolated = x < 0 || x > Double(width - 1)
            case "pytorch_half_pixel": x = outputWidth == 1 ? -0.5 : (yd + 0.5) / scale - 0.5
            case "half_pixel_symmetric":
                let adjustment = Double(outWidth) / outputWidth
                let center = Double(width) / 2
                x = center * (1 - adjustment) + (yd + 0.5) / scale - 0.5
            default: x = (yd + 0.5) / scale - 0.5
            }
            let floorX = x.rounded(.down)
            let ratio = x == floorX ? 1 : x - floorX
            var c = coefficients(ratio, scale)
            let n = c.count
            let pad = (n + 1) / 2
            let xp = x + Double(pad)
            let p = Int(xp.rounded(.down))
            let frac = xp - Double(p)
            let offset = n % 2 == 0 ? (frac == 0 ? -(n / 2) : -(n / 2) + 1) : (frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1)
            let indices = (0..<n).map { p + offset + $0 - pad }
            if excludeOutside {
                for k in 0..<n where indices[k] < 0 || indices[k] >= width { c[k] = 0 }
                let s = c.reduce(0, +)
                if s != 0 { c = c.map { $0 / s } }
            }
            let clamped = indices.map { Swift.min(Swift.max($0, 0), width - 1) }
            for o in 0..<outer {
                for i in 0..<inner {
                    var s = 0.0
                    if extrapolated { s = extrapolation } else {
                        for k in 0..<n where c[k] != 0 { s += c[k] * data[(o * width + clamped[k]) * inner + i] }
                    }
                    result[(o * outWidth + y) * inner + i] = s
                }
            }
        }
        return result
    }
}

/// A Resize node's interpolation: its settings and the 1-d interpolations along each resized
/// axis, in order.
struct ResizePlan {
    /// Mode, coordinate transformation, rounding, cubic coefficient, …
    var settings = ResizeSettings()
    /// One step per resized axis: the axis, its scale, its output size and its region of interest.
    var steps: [(axis: Int, scale: Double, outWidth: Int, roi: (Double, Double)?)] = []
}

/// The plan of a Resize (or, with `upsample`, Upsample) node for an input of shape `inputShape`.
func resizePlan(_ ctx: ONNXNodeContext, inputShape: [Int], upsample: Bool = false) throws -> ResizePlan {
    let r = inputShape.count
    var settings = ResizeSettings()
    settings.mode = ctx.string("mode", "nearest")
    if settings.mode == "bilinear" || settings.mode == "trilinear" { settings.mode = "linear" }
    var scales: [Double]? = nil
    var sizes: [Int]? = nil
    var roi: [Double]? = nil
    if upsample || ctx.opset < 11 {
        settings.coordinates = "asymmetric"
        settings.nearestMode = "floor"
        scales = ctx.opset < 9 && upsample ? ctx.floats("scales") : try ctx.input(1).reals
    } else {
        settings.coordinates = ctx.string("coordinate_transformation_mode", "half_pixel")
        settings.nearestMode = ctx.string("nearest_mode", "round_prefer_floor")
        settings.cubicA = ctx.float("cubic_coeff_a", -0.75)
        settings.excludeOutside = ctx.int("exclude_outside", 0) != 0
        settings.extrapolation = ctx.float("extrapolation_value", 0)
        settings.antialias = ctx.int("antialias", 0) != 0
        roi = try ctx.optionalInput(1)?.reals
        if let s = try ctx.optionalInput(2), s.count > 0 { scales = s.reals }
        if let s = try ctx.optionalInput(3), s.count > 0 { sizes = s.ints.map { Int($0) } }
    }
    let axes = try (ctx.ints("axes") ?? Array(0..<r)).map { try normalizeAxis($0, r, ctx) }
    var fullScales = [Double](repeating: 1, count: r)
    var fullSizes = inputShape
    if let roiValues = roi, roiValues.isEmpty { roi = nil }
    var fullRoi: [Double]? = nil
    if let roi {
        var fr = [Double](repeating: 0, count: r) + [Double](repeating: 1, count: r)
        if roi.count == 2 * axes.count { for (i, d) in axes.enumerated() { fr[d] = roi[i]; fr[r + d] = roi[axes.count + i] } }
        fullRoi = fr
    }
    if let sizes {
        for (i, d) in axes.enumerated() { fullSizes[d] = sizes[i]; fullScales[d] = Double(sizes[i]) / Double(inputShape[d]) }
        let policy = ctx.string("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch" {
            let chosen = axes.map { fullScales[$0] }
            let s = policy == "not_larger" ? chosen.min()! : chosen.max()!
            for d in axes { fullScales[d] = s; fullSizes[d] = Int(s * Double(inputShape[d]) + 0.5) }
        }
    } else if let scales {
        guard scales.count == axes.count else { throw ctx.fail("\(scales.count) scales for \(axes.count) axes") }
        for (i, d) in axes.enumerated() { fullScales[d] = scales[i]; fullSizes[d] = Int(scales[i] * Double(inputShape[d])) }
    } else {
        throw ctx.fail("neither scales nor sizes given")
    }
    var plan = ResizePlan(settings: settings)
    for d in axes {
        let roiAxis = fullRoi.map { ($0[d], $0[d + r]) }
        if abs(fullScales[d] - 1) < 1e-9 && fullSizes[d] == inputShape[d] && (roiAxis == nil || (roiAxis!.0 == 0 && roiAxis!.1 == 1)) { continue }
        plan.steps.append((d, fullScales[d], fullSizes[d], roiAxis))
    }
    return plan
}

func resize(_ ctx: ONNXNodeContext, upsample: Bool = false) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let plan = try resizePlan(ctx, inputShape: x.shape, upsample: upsample)
    var data = x.reals
    var shape = x.shape
    for step in plan.steps {
        data = plan.settings.interpolate(data, shape: shape, axis: step.axis, scale: step.scale, outWidth: step.outWidth, roi: step.roi)
        shape[step.axis] = step.outWidth
    }
    if x.dtype.isInteger, let (lo, hi) = integerRange(x.dtype) {
        data = data.map { Swift.min(Swift.max($0.rounded(.toNearestOrEven), lo), hi) }
    }
    return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, reals: data))
}

extension ONNXOperators {
    nonisolated(unsafe) static let resizing: [String: ONNXOperator] = [
        "Resize": { try resize($0) },
        "Upsample": { try resize($0, upsample: true) },
    ]
}

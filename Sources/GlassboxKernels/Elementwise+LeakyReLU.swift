// Leaky ReLU forward and backward, each one pass over contiguous buffers:
//
//   forward   y  = x       where x > 0, else x·slope
//   backward  dx = g       where x > 0, else g·slope
//
// The values are those of the composed form `x·f` with `f = mask + (1 − mask)·slope`
// (`mask = [x > 0]`): `f` is exactly 1 or `slope`, and `v·1 = v`. NaN inputs take the `slope`
// branch, as `[NaN > 0] = 0` does, and stay NaN. Float runs `FloatVector` selects through
// VectorMath's buffer loops (threaded from `parallelThreshold` elements) in non-generic
// functions, where the select is inlined into the loop; Double runs a scalar loop. Elementwise,
// so the result does not depend on the thread count.

extension Elementwise {
    /// `y[i] = x[i] > 0 ? x[i] : x[i]·slope`. `x` and `y` may be the same buffer.
    public static func leakyRelu<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int, negativeSlope slope: T
    ) {
        if T.self == Float.self {
            leakyReluFloat(rebind(x, Float.self), rebind(y, Float.self), count, slope as! Float)
        } else if T.self == Double.self {
            leakyReluScalar(rebind(x, Double.self), rebind(y, Double.self), count, slope as! Double)
        } else {
            leakyReluScalar(x, y, count, slope)
        }
    }

    /// `dx[i] = x[i] > 0 ? g[i] : g[i]·slope`: the gradient of
    /// ``leakyRelu(_:_:count:negativeSlope:)`` given the output gradient `g`. `dx` may be `g`.
    public static func leakyReluGradient<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, count: Int, negativeSlope slope: T
    ) {
        if T.self == Float.self {
            leakyReluGradientFloat(rebind(x, Float.self), rebind(g, Float.self), rebind(dx, Float.self), count, slope as! Float)
        } else if T.self == Double.self {
            leakyReluGradientScalar(rebind(x, Double.self), rebind(g, Double.self), rebind(dx, Double.self), count, slope as! Double)
        } else {
            leakyReluGradientScalar(x, g, dx, count, slope)
        }
    }

    static func leakyReluFloat(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, _ slope: Float) {
        VectorMath.mapFloat(x, y, count) { v in (v * slope).replacing(with: v, where: v .> 0) }
    }

    static func leakyReluGradientFloat(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int, _ slope: Float
    ) {
        VectorMath.mapFloat2(x, g, dx, count) { v, gv in (gv * slope).replacing(with: gv, where: v .> 0) }
    }

    @inline(__always)
    static func leakyReluScalar<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int, _ slope: T) {
        for i in 0..<count { y[i] = x[i] > 0 ? x[i] : x[i] * slope }
    }

    @inline(__always)
    static func leakyReluGradientScalar<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ count: Int, _ slope: T
    ) {
        for i in 0..<count { dx[i] = x[i] > 0 ? g[i] : g[i] * slope }
    }
}

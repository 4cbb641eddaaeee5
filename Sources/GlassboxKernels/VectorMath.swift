#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Elementwise transcendental functions over contiguous buffers.
///
/// PLACEHOLDER: libm loops, to be replaced by SIMD implementations with measured error bounds.
public enum VectorMath {
    /// `y[i] = exp(x[i])`. `x` and `y` may be the same buffer.
    public static func exp<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { y[i] = T(Glibc.exp(Double(x[i]))) }
    }
    /// `y[i] = log(x[i])`.
    public static func log<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { y[i] = T(Glibc.log(Double(x[i]))) }
    }
    /// `y[i] = tanh(x[i])`.
    public static func tanh<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { y[i] = T(Glibc.tanh(Double(x[i]))) }
    }
    /// `y[i] = 1 / (1 + exp(-x[i]))`.
    public static func sigmoid<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { y[i] = T(1 / (1 + Glibc.exp(-Double(x[i])))) }
    }
    /// `y[i] = erf(x[i])`.
    public static func erf<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { y[i] = T(Glibc.erf(Double(x[i]))) }
    }
}

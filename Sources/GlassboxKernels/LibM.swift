// LibM: the platform C math library's Double functions under one name, so kernels and ops call
// `LibM.exp(x)` instead of a `Glibc.`-qualified name that breaks the Musl and Darwin builds.
// Each function is one direct call into libm (Glibc, Musl or Darwin); nothing else happens here.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The platform libm's scalar functions (Glibc on glibc Linux, Musl on static Linux, Darwin on
/// Apple platforms), reached by one qualified name that exists on every platform.
///
/// Accuracy and special values are the platform libm's own (glibc: `exp`, `log`, `pow`, `sin`,
/// `cos` correctly rounded or within 1 ulp; `tanh`, `erf` within a few ulp).
public enum LibM {
    /// e raised to `x`, libm `exp`.
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double { _libmExp(x) }
    /// Natural logarithm, libm `log`.
    @inlinable @inline(__always)
    public static func log(_ x: Double) -> Double { _libmLog(x) }
    /// Natural logarithm in Float, libm `logf`.
    @inlinable @inline(__always)
    public static func log(_ x: Float) -> Float { _libmLogf(x) }
    /// Sine of `x` radians, libm `sin`.
    @inlinable @inline(__always)
    public static func sin(_ x: Double) -> Double { _libmSin(x) }
    /// Cosine of `x` radians, libm `cos`.
    @inlinable @inline(__always)
    public static func cos(_ x: Double) -> Double { _libmCos(x) }
    /// Hyperbolic tangent, libm `tanh`.
    @inlinable @inline(__always)
    public static func tanh(_ x: Double) -> Double { _libmTanh(x) }
    /// Error function, libm `erf`.
    @inlinable @inline(__always)
    public static func erf(_ x: Double) -> Double { _libmErf(x) }
    /// `base` raised to `exponent`, libm `pow`.
    @inlinable @inline(__always)
    public static func pow(_ base: Double, _ exponent: Double) -> Double { _libmPow(base, exponent) }
}

// Free functions so that the unqualified libm names resolve to the C functions, not to the
// `LibM` members of the same name.
@usableFromInline func _libmExp(_ x: Double) -> Double { exp(x) }
@usableFromInline func _libmLog(_ x: Double) -> Double { log(x) }
@usableFromInline func _libmLogf(_ x: Float) -> Float { logf(x) }
@usableFromInline func _libmSin(_ x: Double) -> Double { sin(x) }
@usableFromInline func _libmCos(_ x: Double) -> Double { cos(x) }
@usableFromInline func _libmTanh(_ x: Double) -> Double { tanh(x) }
@usableFromInline func _libmErf(_ x: Double) -> Double { erf(x) }
@usableFromInline func _libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

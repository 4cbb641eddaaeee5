/// The scalar types the kernels are written for: `Float` (production) and `Double` (gradient
/// checks and reference runs).
///
/// Kernels are written once, generic over `KernelScalar`, and reach their specialised (SIMD)
/// implementation through a type check on `Scalar.self` that the optimiser folds away once the
/// generic code is specialised. Only `Float` and `Double` conform.
public protocol KernelScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable, CustomStringConvertible {}

extension Float: KernelScalar {}
extension Double: KernelScalar {}

/// A raw pointer that may cross into a `Threading.parallelFor` closure.
///
/// The kernels guarantee that concurrent closures touch disjoint parts of the buffer.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<T>
    @usableFromInline init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

/// A read-only raw pointer that may cross into a `Threading.parallelFor` closure.
@usableFromInline
struct SendableConstPointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<T>
    @usableFromInline init(_ base: UnsafePointer<T>) { self.base = base }
}

// RecurrentLane: the vector type the fused recurrent gate passes (Recurrent+Gates.swift) run
// on. Float runs `VectorMath.FloatVector` (SIMD8, SIMD16 under the AVX512 trait) with the SIMD
// sigmoid/tanh of VectorMath+Float.swift; Double runs `SIMD2<Double>` with libm per lane. The
// gate math is written once, generic over the lane (the arithmetic is the standard SIMD one).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A SIMD lane of the fused recurrent gate kernels: the gate nonlinearities.
protocol RecurrentLane: SIMD where Scalar: KernelScalar & BinaryFloatingPoint {
    func sigmoid() -> Self
    func tanh() -> Self
}

extension RecurrentLane {
    /// Loads `count ≤ scalarCount` scalars (the rest of the lane is zero).
    @inline(__always)
    static func load(_ p: UnsafePointer<Scalar>, _ count: Int) -> Self {
        if count == scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
        var v = Self()
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// Stores the first `count ≤ scalarCount` scalars.
    @inline(__always)
    func store(_ p: UnsafeMutablePointer<Scalar>, _ count: Int) {
        if count == Self.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
        } else {
            for i in 0..<count { p[i] = self[i] }
        }
    }

    /// `max(x, 0)`.
    @inline(__always) func relu() -> Self { replacing(with: 0, where: self .<= 0) }
    /// `g` where `self > 0`, else 0 (ReLU's derivative applied to `g`, read from the output).
    @inline(__always) func positivePart(of g: Self) -> Self { g.replacing(with: 0, where: self .<= 0) }
}

extension VectorMath.FloatVector: RecurrentLane {
    @inline(__always) func sigmoid() -> Self { VectorMath.sigmoid(self) }
    @inline(__always) func tanh() -> Self { VectorMath.tanh(self) }
}

extension SIMD2<Double>: RecurrentLane {
    /// The same formula as `VectorMath.sigmoid` on Double buffers, per lane.
    @inline(__always) func sigmoid() -> Self {
        var y = Self()
        for i in 0..<2 {
            let e = LibM.exp(-Swift.abs(self[i]))
            y[i] = (self[i] < 0 ? e : 1) / (1 + e)
        }
        return y
    }

    @inline(__always) func tanh() -> Self { Self(LibM.tanh(self[0]), LibM.tanh(self[1])) }
}

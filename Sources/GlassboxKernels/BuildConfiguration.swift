/// What this binary's kernels were compiled for (the package traits in effect).
public enum BuildConfiguration {
    /// Whether the kernels use fused multiply-add (trait `FMA`, or always on arm64).
    public static var fma: Bool {
        #if FMA || arch(arm64)
        return true
        #else
        return false
        #endif
    }

    /// Whether the SIMD16 (512-bit) GEMM micro-kernels are in use (trait `AVX512`).
    public static var avx512: Bool {
        #if AVX512
        return true
        #else
        return false
        #endif
    }

    /// `"plain"`, `"fma"` or `"fma+avx512"`.
    public static var name: String {
        avx512 ? "fma+avx512" : (fma ? "fma" : "plain")
    }

    /// The GEMM register tile used for `scalar` (`Float.self` or `Double.self`), e.g.
    /// `"SIMD8<Float> 6x16"`.
    public static func gemmKernel(for scalar: Any.Type) -> String {
        let isFloat = scalar == Float.self
        let lanes = isFloat ? GEMMVector.Float.scalarCount : GEMMVector.Double.scalarCount
        return "SIMD\(lanes)<\(isFloat ? "Float" : "Double")> \(GEMMBlocking.mr)x\(2 * lanes)"
    }
}

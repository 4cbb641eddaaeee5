#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The row operations of the attention kernels' softmax on one score tile row: the maximum and
// `exp(x − shift)` in place with its sum. Float rows run `VectorMath.FloatVector`s (the lane
// order of the sum is fixed, so results do not depend on the thread count); Double rows run
// scalar loops with libm.

extension Attention {
    /// The largest of `count` values (−∞ for none).
    @inline(__always)
    static func rowMaximum<T: KernelScalar>(_ row: UnsafePointer<T>, _ count: Int) -> T {
        if T.self == Float.self {
            let p = rebind(row, Float.self)
            typealias V = VectorMath.FloatVector
            var m = V(repeating: -.infinity)
            var j = 0
            while j + V.scalarCount <= count {
                m = pointwiseMax(m, UnsafeRawPointer(p + j).loadUnaligned(as: V.self))
                j += V.scalarCount
            }
            var result = m.max()
            while j < count {
                result = Swift.max(result, p[j])
                j += 1
            }
            return unsafeBitCast(result, to: T.self)
        }
        var result = -T.infinity
        for j in 0..<count { result = Swift.max(result, row[j]) }
        return result
    }

    /// `row[j] = exp(row[j] − shift)` for `count` values, in place; returns their sum.
    @inline(__always)
    @discardableResult
    static func exponentiateRow<T: KernelScalar>(_ row: UnsafeMutablePointer<T>, _ count: Int, shift: T) -> T {
        if T.self == Float.self {
            let p = rebind(row, Float.self)
            typealias V = VectorMath.FloatVector
            let s = V(repeating: unsafeBitCast(shift, to: Float.self))
            var sum = V()
            var j = 0
            while j + V.scalarCount <= count {
                let e = VectorMath.exp(UnsafeRawPointer(p + j).loadUnaligned(as: V.self) - s)
                UnsafeMutableRawPointer(p + j).storeBytes(of: e, as: V.self)
                sum += e
                j += V.scalarCount
            }
            if j < count {
                var v = V(repeating: -.infinity)  // exp(−∞) = 0 in the unused lanes
                for l in 0..<(count - j) { v[l] = p[j + l] }
                let e = VectorMath.exp(v - s)
                for l in 0..<(count - j) { p[j + l] = e[l] }
                sum += e
            }
            return unsafeBitCast(sum.sum(), to: T.self)
        }
        var sum: T = 0
        for j in 0..<count {
            row[j] = T(LibM.exp(Double(row[j] - shift)))
            sum += row[j]
        }
        return sum
    }
}

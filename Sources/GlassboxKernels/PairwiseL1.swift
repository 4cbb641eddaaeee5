// The L1 distances between the samples of a batch, per kernel, as minibatch discrimination
// uses them (Salimans et al. 2016), forward and backward in one pass each.
//
//   forward   D[i, j, b] = Σ_c |M[i, b, c] − M[j, b, c]|                 M: [N, B, C], D: [N, N, B]
//   backward  dM[k, b, c] = Σ_j (dD[k, j, b] + dD[j, k, b]) · sign(M[k, b, c] − M[j, b, c])
//
// (D[i, j, b] reaches M[k] as i = k with sign(M_k − M_j) and as j = k with sign(M_k − M_i);
// sign(0) = 0, the subgradient PyTorch's `abs` takes, and a NaN difference gives NaN.) The composite form materialises the
// [N, N, B, C] differences three times (subtract, abs, their sign in the backward) and reduces
// them over C in a separate pass; these loops read M once per pair. Each output element is a
// sum in a fixed order (c, then j ascending), one thread, so results do not depend on the
// thread count.

/// Fused kernels of the pairwise L1 distances of minibatch discrimination.
public enum PairwiseL1 {
    /// `d[i, j, b] = Σ_c |m[i, b, c] − m[j, b, c]|` for `m` `[n, kernels, dimension]` and `d`
    /// `[n, n, kernels]`, all contiguous.
    public static func forward<T: KernelScalar>(
        _ m: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, samples n: Int, kernels: Int, dimension: Int
    ) {
        if T.self == Float.self {
            forwardLoop(
                UnsafeRawPointer(m).assumingMemoryBound(to: Float.self), UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self),
                n, kernels, dimension)
        } else {
            forwardLoop(
                UnsafeRawPointer(m).assumingMemoryBound(to: Double.self), UnsafeMutableRawPointer(d).assumingMemoryBound(to: Double.self),
                n, kernels, dimension)
        }
    }

    /// `dm[k, b, c] = Σ_j (g[k, j, b] + g[j, k, b]) · sign(m[k, b, c] − m[j, b, c])`: the
    /// gradient of ``forward(_:_:samples:kernels:dimension:)`` given the gradient `g` of its
    /// output. `dm` is overwritten.
    public static func backward<T: KernelScalar>(
        _ m: UnsafePointer<T>, _ g: UnsafePointer<T>, _ dm: UnsafeMutablePointer<T>, samples n: Int, kernels: Int, dimension: Int
    ) {
        if T.self == Float.self {
            backwardFloat(
                UnsafeRawPointer(m).assumingMemoryBound(to: Float.self), UnsafeRawPointer(g).assumingMemoryBound(to: Float.self),
                UnsafeMutableRawPointer(dm).assumingMemoryBound(to: Float.self), n, kernels, dimension)
        } else {
            backwardLoop(
                UnsafeRawPointer(m).assumingMemoryBound(to: Double.self), UnsafeRawPointer(g).assumingMemoryBound(to: Double.self),
                UnsafeMutableRawPointer(dm).assumingMemoryBound(to: Double.self), n, kernels, dimension)
        }
    }

    @inline(__always)
    static func forwardLoop<S: BinaryFloatingPoint>(
        _ m: UnsafePointer<S>, _ d: UnsafeMutablePointer<S>, _ n: Int, _ kernels: Int, _ dimension: Int
    ) {
        let row = kernels * dimension
        for i in 0..<n {
            let mi = m + i * row
            for j in 0..<n {
                let mj = m + j * row, out = d + (i * n + j) * kernels
                for b in 0..<kernels {
                    var s: S = 0
                    for c in 0..<dimension { s += Swift.abs(mi[b * dimension + c] - mj[b * dimension + c]) }
                    out[b] = s
                }
            }
        }
    }

    @inline(__always)
    static func backwardLoop<S: BinaryFloatingPoint>(
        _ m: UnsafePointer<S>, _ g: UnsafePointer<S>, _ dm: UnsafeMutablePointer<S>, _ n: Int, _ kernels: Int, _ dimension: Int
    ) {
        let row = kernels * dimension
        dm.update(repeating: 0, count: n * row)
        for k in 0..<n {
            let mk = m + k * row, out = dm + k * row
            for j in 0..<n {
                let mj = m + j * row, gkj = g + (k * n + j) * kernels, gjk = g + (j * n + k) * kernels
                for b in 0..<kernels {
                    let w = gkj[b] + gjk[b]
                    for c in 0..<dimension {
                        let e = b * dimension + c
                        let difference = mk[e] - mj[e]
                        let sign: S = difference > 0 ? 1 : (difference < 0 ? -1 : difference * 0)  // NaN stays NaN
                        out[e] += w * sign
                    }
                }
            }
        }
    }

    /// The Float backward: per pair (k, j), the weights `g[k, j, b] + g[j, k, b]` spread over
    /// their kernel's `dimension` elements, then one vector pass over the row (the sign as two
    /// selects on concrete `SIMD16<Float>`; `d·0` carries a NaN difference through). Same sums,
    /// same order as ``backwardLoop(_:_:_:_:_:_:)``.
    static func backwardFloat(
        _ m: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dm: UnsafeMutablePointer<Float>, _ n: Int, _ kernels: Int,
        _ dimension: Int
    ) {
        typealias V = SIMD16<Float>
        let row = kernels * dimension
        dm.update(repeating: 0, count: n * row)
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: row)
        defer { weights.deallocate() }
        for k in 0..<n {
            let mk = m + k * row, out = dm + k * row
            for j in 0..<n {
                let mj = m + j * row, gkj = g + (k * n + j) * kernels, gjk = g + (j * n + k) * kernels
                for b in 0..<kernels { (weights + b * dimension).update(repeating: gkj[b] + gjk[b], count: dimension) }
                var e = 0
                while e + V.scalarCount <= row {
                    let difference = UnsafeRawPointer(mk + e).loadUnaligned(as: V.self) - UnsafeRawPointer(mj + e).loadUnaligned(as: V.self)
                    let sign = V(repeating: 0).replacing(with: 1, where: difference .> 0).replacing(with: -1, where: difference .< 0)
                        + difference * 0
                    let w = UnsafeRawPointer(weights + e).loadUnaligned(as: V.self)
                    let sum = UnsafeRawPointer(out + e).loadUnaligned(as: V.self) + w * sign
                    UnsafeMutableRawPointer(out + e).storeBytes(of: sum, as: V.self)
                    e += V.scalarCount
                }
                while e < row {
                    let difference = mk[e] - mj[e]
                    let sign: Float = difference > 0 ? 1 : (difference < 0 ? -1 : difference * 0)
                    out[e] += weights[e] * sign
                    e += 1
                }
            }
        }
    }
}

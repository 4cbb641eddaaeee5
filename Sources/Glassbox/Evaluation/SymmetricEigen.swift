/// A symmetric matrix, row-major, in `Double`, with the eigendecomposition and the functions of
/// it that the Fréchet distance needs.
public struct SymmetricMatrix: Equatable, Sendable {
    /// The order `n` (the matrix is `n × n`).
    public let order: Int
    /// The `n²` entries, row-major.
    public var entries: [Double]

    /// A matrix from its row-major entries.
    ///
    /// - Precondition: `entries.count == order²` and the entries are symmetric.
    public init(order: Int, entries: [Double]) {
        precondition(order >= 0 && entries.count == order * order, "SymmetricMatrix: \(entries.count) entries for order \(order)")
        for i in 0..<order {
            for j in 0..<i {
                let a = entries[i * order + j], b = entries[j * order + i]
                precondition(
                    Swift.abs(a - b) <= 1e-9 * Swift.max(1, Swift.abs(a), Swift.abs(b)),
                    "SymmetricMatrix: entries (\(i), \(j)) = \(a) and (\(j), \(i)) = \(b) differ")
            }
        }
        self.order = order
        self.entries = entries
    }

    /// Entry `(row, column)`.
    public subscript(row: Int, column: Int) -> Double { entries[row * order + column] }

    /// The sum of the diagonal.
    public var trace: Double { (0..<order).reduce(0) { $0 + entries[$1 * order + $1] } }

    /// The eigenvalues (ascending) and the matching unit eigenvectors (the columns of
    /// `vectors`, row-major `n × n`), by the cyclic Jacobi method.
    ///
    /// Each sweep visits every off-diagonal pair `(p, q)` in a fixed order and applies the plane
    /// rotation that zeroes `A[p][q]` (Golub & Van Loan, algorithm 8.5.2: `θ = (A_qq − A_pp) /
    /// 2A_pq`, `t = sign θ / (|θ| + √(θ² + 1))`, `c = 1/√(1 + t²)`, `s = t·c`), accumulating the
    /// rotations in `V`. Sweeps stop when the off-diagonal mass is below `1e-30` of the total
    /// (or after 100 sweeps); convergence is quadratic, typically under ten sweeps for n = 128.
    /// The result is deterministic (one thread, fixed order).
    public func eigendecomposition() -> (values: [Double], vectors: [Double]) {
        let n = order
        var a = entries
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let total = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where j != i { off += a[i * n + j] * a[i * n + j] } }
            if off <= 1e-30 * total || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    let apq = a[p * n + q]
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot()
                    let s = t * c
                    // A ← Jᵀ A J on rows and columns p, q.
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        let values = order.map { a[$0 * n + $0] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (column, source) in order.enumerated() {
            for k in 0..<n { vectors[k * n + column] = v[k * n + source] }
        }
        return (values, vectors)
    }

    /// `f(A) = V diag(f(λ)) Vᵀ` for the eigendecomposition `A = V diag(λ) Vᵀ`.
    public func applying(_ f: (Double) -> Double) -> SymmetricMatrix {
        let n = order
        let (values, vectors) = eigendecomposition()
        let mapped = values.map(f)
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in 0..<n { sum += vectors[i * n + k] * mapped[k] * vectors[j * n + k] }
                out[i * n + j] = sum
                out[j * n + i] = sum
            }
        }
        return SymmetricMatrix(order: n, entries: out)
    }

    /// The principal square root of a positive semi-definite matrix: `V diag(√max(λ, 0)) Vᵀ`
    /// (eigenvalues below zero, from rounding, count as zero).
    public func squareRoot() -> SymmetricMatrix { applying { Swift.max($0, 0).squareRoot() } }

    /// `A·B·A` for symmetric `A` (self) and `B`, symmetric again (symmetrised against rounding).
    public func sandwiching(_ b: SymmetricMatrix) -> SymmetricMatrix {
        precondition(b.order == order, "SymmetricMatrix.sandwiching: orders \(order) and \(b.order) differ")
        let n = order
        var ab = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let aik = entries[i * n + k]
                for j in 0..<n { ab[i * n + j] += aik * b.entries[k * n + j] }
            }
        }
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let abik = ab[i * n + k]
                for j in 0..<n { out[i * n + j] += abik * entries[k * n + j] }
            }
        }
        for i in 0..<n {
            for j in 0..<i {
                let mean = (out[i * n + j] + out[j * n + i]) / 2
                out[i * n + j] = mean
                out[j * n + i] = mean
            }
        }
        return SymmetricMatrix(order: n, entries: out)
    }
}

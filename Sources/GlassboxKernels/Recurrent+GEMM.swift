// The recurrent weight packed once per layer call as op(B) of the per-step GEMMs — `W_hhᵀ` for
// the forward `HH = h·W_hhᵀ`, `W_hh` for the backward `dh += da·W_hh` — so that T steps do not
// repack it T times. The per-step GEMM runs the same blocked loops and micro-kernel as `gemm`
// on the panels (GEMMPackedMatrix), so the results are those of `gemm`, for any thread count.

/// A recurrent weight `[rows, cols]` packed as op(B) (itself, or transposed) for many GEMMs.
struct RecurrentPackedWeight<T: KernelScalar> {
    private let panels: UnsafeMutablePointer<T>
    /// op(B) is `depth × width`.
    let depth: Int, width: Int

    init(_ w: UnsafePointer<T>, rows: Int, cols: Int, transposed: Bool) {
        depth = transposed ? cols : rows
        width = transposed ? rows : cols
        let nr = Self.nr
        panels = .allocate(capacity: Swift.max(1, GEMMPackedMatrix<T>.count(width, depth: depth, panel: nr)))
        guard depth > 0 && width > 0 else { return }
        // Packed through the specialisation for T (generic code called across modules is not specialised).
        let matrix = GEMMMatrix(w, ld: cols, transposed: transposed)
        if T.self == Float.self {
            _ = matrix.rebound(to: Float.self).packB(depth: 0..<depth, cols: 0..<width, nr: nr, into: rebind(panels, Float.self))
        } else {
            _ = matrix.rebound(to: Double.self).packB(depth: 0..<depth, cols: 0..<width, nr: nr, into: rebind(panels, Double.self))
        }
    }

    func deallocate() { panels.deallocate() }

    /// The micro-panel width of the GEMM for `T`.
    private static var nr: Int {
        2 * (T.self == Float.self ? GEMMVector.Float.scalarCount : GEMMVector.Double.scalarCount)
    }

    /// `c = a·op(B) + beta·c` for `a` `[m, depth]` (row stride `depth`), `c` `[m, width]`, on at
    /// most `threads` threads.
    func multiply(_ a: UnsafePointer<T>, rows m: Int, beta: T, into c: UnsafeMutablePointer<T>, threads: Int) {
        let problem = GEMMProblem(m: m, n: width, k: depth, ldc: width)
        if m == 0 || width == 0 { return }
        if depth == 0 {
            problem.scale(c, by: beta)
            return
        }
        if T.self == Float.self {
            problem.run(
                GEMMVector.Float.self, 1, GEMMMatrix(rebind(a, Float.self), ld: depth, transposed: false),
                GEMMPackedMatrix(packed: rebind(UnsafePointer(panels), Float.self), depth: depth), beta as! Float,
                rebind(c, Float.self), threads)
        } else {
            problem.run(
                GEMMVector.Double.self, 1, GEMMMatrix(rebind(a, Double.self), ld: depth, transposed: false),
                GEMMPackedMatrix(packed: rebind(UnsafePointer(panels), Double.self), depth: depth), beta as! Double,
                rebind(c, Double.self), threads)
        }
    }
}

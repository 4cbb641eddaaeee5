// The register-tiled matrix product of the direct attention kernel (Attention+Small.swift):
//
//   out[r, 0..<width] = scale · Σ_{c ∈ span(r-block)} a[r·rowStride + c·columnStride] · b[c·ldb + 0..<width]
//
// `width` is a multiple of the vector width W; `a` is read element by element (broadcast), so it
// may be a transposed view (`rowStride` 1). Loop structure: column chunks of up to four vectors;
// per chunk, blocks of eight rows (chunks of one or two vectors: up to 16 accumulators) or of
// four rows (three or four vectors), the sum over c in those register accumulators, one
// multiply-add per (row, vector, c) in ascending c — so each output element is the same chain
// of fused (or unfused, without FMA) multiply-adds as a one-row loop would make, whatever the
// blocking. A last partial row block reads its last row again and stores only the real rows.
// The caller gives each row block its span of c (causal problems skip the keys no row of the
// block can see, whose terms are zero).

extension Attention {
    /// `out[r, ..<width] = scale · Σ_{c ∈ span(r0, r1)} a[r, c] · b[c, ..<width]` for rows
    /// `0..<rows` (see the file comment); `span(r0, r1)` is the range of c for rows `r0..<r1`.
    @inline(__always)
    static func smallProduct(
        _ a: UnsafePointer<Float>, rowStride: Int, columnStride: Int, rows: Int, _ b: UnsafePointer<Float>, ldb: Int,
        width: Int, scale: Float, into out: UnsafeMutablePointer<Float>, ldo: Int, span: (Int, Int) -> Range<Int>
    ) {
        let w = Lanes.scalarCount
        var j = 0
        while j < width {
            let vectors = Swift.min(4, (width - j) / w)
            let rowBlock = vectors <= 2 ? 8 : 4
            var r = 0
            while r < rows {
                let count = Swift.min(rowBlock, rows - r)
                let range = span(r, r + count)
                let ar = a + r * rowStride, bj = b + j, o = out + r * ldo + j
                switch vectors {
                case 1: tile8(ar, rowStride, columnStride, count, range, bj, ldb, 1, scale, o, ldo)
                case 2: tile8(ar, rowStride, columnStride, count, range, bj, ldb, 2, scale, o, ldo)
                case 3: tile4(ar, rowStride, columnStride, count, range, bj, ldb, 3, scale, o, ldo)
                default: tile4(ar, rowStride, columnStride, count, range, bj, ldb, 4, scale, o, ldo)
                }
                r += rowBlock
            }
            j += vectors * w
        }
    }

    /// Eight rows (the first `rows` stored) × one or two vectors.
    @inline(__always)
    static func tile8(
        _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ rows: Int, _ range: Range<Int>, _ b: UnsafePointer<Float>,
        _ ldb: Int, _ vectors: Int, _ scale: Float, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
    ) {
        let w = Lanes.scalarCount, last = rows - 1
        let a0 = a, a1 = a + Swift.min(1, last) * rs, a2 = a + Swift.min(2, last) * rs, a3 = a + Swift.min(3, last) * rs
        let a4 = a + Swift.min(4, last) * rs, a5 = a + Swift.min(5, last) * rs, a6 = a + Swift.min(6, last) * rs
        let a7 = a + Swift.min(7, last) * rs
        var c00 = Lanes(), c10 = Lanes(), c20 = Lanes(), c30 = Lanes(), c40 = Lanes(), c50 = Lanes(), c60 = Lanes(), c70 = Lanes()
        var c01 = Lanes(), c11 = Lanes(), c21 = Lanes(), c31 = Lanes(), c41 = Lanes(), c51 = Lanes(), c61 = Lanes(), c71 = Lanes()
        for c in range {
            let bc = b + c * ldb, at = c * cs
            let b0 = load(bc)
            let x0 = Lanes(repeating: a0[at]), x1 = Lanes(repeating: a1[at]), x2 = Lanes(repeating: a2[at])
            let x3 = Lanes(repeating: a3[at]), x4 = Lanes(repeating: a4[at]), x5 = Lanes(repeating: a5[at])
            let x6 = Lanes(repeating: a6[at]), x7 = Lanes(repeating: a7[at])
            c00 = VectorMath.mad(x0, b0, c00); c10 = VectorMath.mad(x1, b0, c10)
            c20 = VectorMath.mad(x2, b0, c20); c30 = VectorMath.mad(x3, b0, c30)
            c40 = VectorMath.mad(x4, b0, c40); c50 = VectorMath.mad(x5, b0, c50)
            c60 = VectorMath.mad(x6, b0, c60); c70 = VectorMath.mad(x7, b0, c70)
            if vectors > 1 {
                let b1 = load(bc + w)
                c01 = VectorMath.mad(x0, b1, c01); c11 = VectorMath.mad(x1, b1, c11)
                c21 = VectorMath.mad(x2, b1, c21); c31 = VectorMath.mad(x3, b1, c31)
                c41 = VectorMath.mad(x4, b1, c41); c51 = VectorMath.mad(x5, b1, c51)
                c61 = VectorMath.mad(x6, b1, c61); c71 = VectorMath.mad(x7, b1, c71)
            }
        }
        @inline(__always) func put(_ row: Int, _ v0: Lanes, _ v1: Lanes) {
            guard row < rows else { return }
            store(v0 * scale, out + row * ldo)
            if vectors > 1 { store(v1 * scale, out + row * ldo + w) }
        }
        put(0, c00, c01); put(1, c10, c11); put(2, c20, c21); put(3, c30, c31)
        put(4, c40, c41); put(5, c50, c51); put(6, c60, c61); put(7, c70, c71)
    }

    /// Four rows (the first `rows` stored) × three or four vectors.
    @inline(__always)
    static func tile4(
        _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ rows: Int, _ range: Range<Int>, _ b: UnsafePointer<Float>,
        _ ldb: Int, _ vectors: Int, _ scale: Float, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
    ) {
        let w = Lanes.scalarCount, last = rows - 1
        let a0 = a, a1 = a + Swift.min(1, last) * rs, a2 = a + Swift.min(2, last) * rs, a3 = a + Swift.min(3, last) * rs
        var c00 = Lanes(), c10 = Lanes(), c20 = Lanes(), c30 = Lanes()
        var c01 = Lanes(), c11 = Lanes(), c21 = Lanes(), c31 = Lanes()
        var c02 = Lanes(), c12 = Lanes(), c22 = Lanes(), c32 = Lanes()
        var c03 = Lanes(), c13 = Lanes(), c23 = Lanes(), c33 = Lanes()
        for c in range {
            let bc = b + c * ldb, at = c * cs
            let b0 = load(bc), b1 = load(bc + w), b2 = load(bc + 2 * w)
            let x0 = Lanes(repeating: a0[at]), x1 = Lanes(repeating: a1[at])
            let x2 = Lanes(repeating: a2[at]), x3 = Lanes(repeating: a3[at])
            c00 = VectorMath.mad(x0, b0, c00); c10 = VectorMath.mad(x1, b0, c10)
            c20 = VectorMath.mad(x2, b0, c20); c30 = VectorMath.mad(x3, b0, c30)
            c01 = VectorMath.mad(x0, b1, c01); c11 = VectorMath.mad(x1, b1, c11)
            c21 = VectorMath.mad(x2, b1, c21); c31 = VectorMath.mad(x3, b1, c31)
            c02 = VectorMath.mad(x0, b2, c02); c12 = VectorMath.mad(x1, b2, c12)
            c22 = VectorMath.mad(x2, b2, c22); c32 = VectorMath.mad(x3, b2, c32)
            if vectors > 3 {
                let b3 = load(bc + 3 * w)
                c03 = VectorMath.mad(x0, b3, c03); c13 = VectorMath.mad(x1, b3, c13)
                c23 = VectorMath.mad(x2, b3, c23); c33 = VectorMath.mad(x3, b3, c33)
            }
        }
        @inline(__always) func put(_ row: Int, _ v0: Lanes, _ v1: Lanes, _ v2: Lanes, _ v3: Lanes) {
            guard row < rows else { return }
            let o = out + row * ldo
            store(v0 * scale, o)
            store(v1 * scale, o + w)
            store(v2 * scale, o + 2 * w)
            if vectors > 3 { store(v3 * scale, o + 3 * w) }
        }
        put(0, c00, c01, c02, c03); put(1, c10, c11, c12, c13); put(2, c20, c21, c22, c23); put(3, c30, c31, c32, c33)
    }
}

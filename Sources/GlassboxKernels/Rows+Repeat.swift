// Row broadcast: `out[r, :] = row` for every row, the rows split over threads in contiguous
// blocks of at least 2¹⁵ elements (a copy has no reduction, so any split gives the same bits).

extension Rows {
    /// `out[r, 0..<width] = row[0..<width]` for `r < count` (`out` is `[count, width]`).
    public static func repeated<T: KernelScalar>(_ row: UnsafePointer<T>, count: Int, width: Int, into out: UnsafeMutablePointer<T>) {
        guard count > 0, width > 0 else { return }
        let source = SendableConstPointer(row), target = SendablePointer(out)
        Threading.parallelChunks(count, minimumChunk: Swift.max(1, (1 << 15) / width)) { block in
            for r in block { (target.base + r * width).update(from: source.base, count: width) }
        }
    }
}

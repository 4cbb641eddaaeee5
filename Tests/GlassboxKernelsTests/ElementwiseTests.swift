import GlassboxKernels
import Testing

@Suite("Elementwise binary kernels")
struct ElementwiseTests {
    /// Values with both signs, a zero and a NaN, different in every position.
    private func values(_ count: Int, seed: Float) -> [Float] {
        var v = (0..<count).map { i in Float((i * 7919 + 13) % 2003) * 0.01 * seed - 10 }
        v[1] = 0
        v[2] = .nan
        return v
    }

    @Test("one contiguous run (same shapes, a scalar operand) and a few long rows: split over threads, the bits of the scalar loop for 1, 2 and 3 threads")
    func longRunsAreSplitOverThreads() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        let count = 1 << 17 | 3
        let a = values(count, seed: 1), b = values(count, seed: -0.7)
        // (shape, a's strides, b's strides): one run; b a broadcast scalar; three rows with b broadcast along them.
        let cases: [([Int], [Int], [Int])] = [([count], [1], [1]), ([count], [1], [0]), ([3, count / 3], [count / 3, 1], [0, 1])]
        for (op, f) in [(BinaryOperation.add, { (x: Float, y: Float) in x + y }), (.multiply, { $0 * $1 }), (.subtract, { $0 - $1 })] {
            for (shape, sa, sb) in cases {
                let n = shape.reduce(1, *)
                var expected = [Float](repeating: 0, count: n)
                for i in 0..<n {
                    let row = shape.count == 2 ? i / shape[1] : 0, column = shape.count == 2 ? i % shape[1] : i
                    let ai = shape.count == 2 ? row * sa[0] + column : i * sa[0]
                    let bi = shape.count == 2 ? row * sb[0] + column * sb[1] : i * sb[0]
                    expected[i] = f(a[ai], b[bi])
                }
                for threads in [1, 2, 3] {
                    Threading.threadCount = threads
                    var out = [Float](repeating: -1, count: n)
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            out.withUnsafeMutableBufferPointer { po in
                                Elementwise.binary(op, pa.baseAddress!, sa, pb.baseAddress!, sb, po.baseAddress!, shape: shape)
                            }
                        }
                    }
                    #expect(zip(out, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(op) \(shape) \(threads) threads")
                }
            }
        }
    }
}

import Glassbox
import GlassboxKernels
import Testing

/// The direct kernel for small problems (≤ 64 keys, Float): against the materialised softmax,
/// forward and backward, with every kind of mask, both multi-head layouts, and bitwise across
/// thread counts.
@Suite("Attention, small problems", .serialized)
struct SmallAttentionTests {
    @Test("forward and backward equal the materialised path, every mask, causal or not", arguments: [(17, 17), (5, 9), (64, 64), (40, 23)])
    func matchesMaterialised(l: Int, s: Int) {
        var g = RandomGenerator(seed: UInt64(l * 100 + s))
        let (b, h, e, ev) = (3, 2, 5, 19)
        let q = Tensor<Float>.randn([b, h, l, e], generator: &g, requiresGrad: true)
        let k = Tensor<Float>.randn([b, h, s, e], generator: &g, requiresGrad: true)
        let v = Tensor<Float>.randn([b, h, s, ev], generator: &g, requiresGrad: true)
        let w = Tensor<Float>.randn([b, h, l, ev], generator: &g)
        let mask = Tensor<Float>.randn([l, s], generator: &g)
        let padding = Tensor<Float>((0..<(b * s)).map { $0 >= s && $0 % s > s / 2 ? -.infinity : 0 }, shape: [b, s])
        for (m, p, causal) in [(nil, nil, false), (mask, nil, false), (nil, padding, false), (mask, padding, true), (nil, nil, true)]
            as [(Tensor<Float>?, Tensor<Float>?, Bool)]
        {
            let fused = scaledDotProductAttention(query: q, key: k, value: v, attnMask: m, keyPaddingMask: p, isCausal: causal)
            let reference = AttentionTests.reference(q, k, v, mask: m, padding: p, causal: causal)
            let what = "L \(l) S \(s) mask \(m != nil) padding \(p != nil) causal \(causal)"
            #expect(AttentionTests.maxDifference(fused.scalars, reference.scalars) < 2e-6, "\(what)")
            let a = Tensor.gradients(of: (fused * w).sum(), withRespectTo: [q, k, v])
            let r = Tensor.gradients(of: (reference * w).sum(), withRespectTo: [q, k, v])
            for (x, y) in zip(a, r) { #expect(AttentionTests.maxDifference(x.scalars, y.scalars) < 1e-5, "\(what)") }
        }
    }

    @Test("packed, side-by-side and split heads agree; bitwise identical for 1–4 threads")
    func layoutsAndThreads() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 3)
        let (n, l, h, e) = (5, 33, 4, 16)
        let packed = Tensor<Float>.randn([n, l, 3 * h * e], generator: &g, requiresGrad: true)
        let w = Tensor<Float>.randn([n, l, h * e], generator: &g)
        let parts = packed.split(sizes: [h * e, h * e, h * e], dim: 2)
        let split = scaledDotProductAttention(
            query: AttentionTests.splitHeads(parts[0], h), key: AttentionTests.splitHeads(parts[1], h),
            value: AttentionTests.splitHeads(parts[2], h), isCausal: true
        ).permuted([0, 2, 1, 3]).reshaped([n, l, h * e])
        let splitGrad = Tensor.gradients(of: (split * w).sum(), withRespectTo: [packed])[0]
        func run() -> [[UInt32]] {
            let out = multiheadSelfAttention(packed: packed, heads: h, isCausal: true)
            return [out, Tensor.gradients(of: (out * w).sum(), withRespectTo: [packed])[0]].map { $0.scalars.map(\.bitPattern) }
        }
        Threading.threadCount = 1
        let first = run()
        #expect(first[0] == split.scalars.map(\.bitPattern))
        #expect(zip(first[1], splitGrad.scalars).allSatisfy { Float(bitPattern: $0) == $1 })
        for threads in 2...4 {
            Threading.threadCount = threads
            #expect(run() == first, "\(threads) threads")
        }
    }

    @Test("a query whose keys are all hidden gives NaN; the others are unaffected (Float)")
    func fullyMasked() {
        let q = Tensor<Float>([1, 2, 3, 4], shape: [1, 2, 2]), k = Tensor<Float>([1, 0, 0, 1], shape: [1, 2, 2])
        let v = Tensor<Float>([5, 7], shape: [1, 2, 1])
        let mask = Tensor<Float>([-.infinity, -.infinity, 0, -.infinity], shape: [2, 2])
        let out = scaledDotProductAttention(query: q, key: k, value: v, attnMask: mask).scalars
        #expect(out[0].isNaN && out[1] == 5)
    }
}

import Glassbox
import GlassboxKernels
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Attention", .serialized)
struct AttentionTests {
    /// `attentionWeights · V`: the materialised path the tiled kernel must agree with.
    static func reference<S>(_ q: Tensor<S>, _ k: Tensor<S>, _ v: Tensor<S>, mask: Tensor<S>?, padding: Tensor<S>?, causal: Bool) -> Tensor<S> {
        let p = attentionWeights(query: q, key: k, attnMask: mask, keyPaddingMask: padding, isCausal: causal)
        let n = q.shape.dropLast(2).reduce(1, *)
        return Tensor.batchedMatmul(
            p.reshaped([n, q.shape[q.rank - 2], k.shape[k.rank - 2]]), v.reshaped([n, v.shape[v.rank - 2], v.shape[v.rank - 1]]),
            false, false
        ).reshaped(Array(q.shape.dropLast()) + [v.shape[v.rank - 1]])
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test("tiled kernel equals the materialised softmax over several tiles, with every kind of mask (Float)")
    func matchesMaterialised() {
        var g = RandomGenerator(seed: 21)
        let (b, h, l, s, e) = (2, 2, 150, 133, 8)
        let q = Tensor<Float>.randn([b, h, l, e], generator: &g), k = Tensor<Float>.randn([b, h, s, e], generator: &g)
        let v = Tensor<Float>.randn([b, h, s, 5], generator: &g)
        let mask = Tensor<Float>.randn([l, s], generator: &g)
        var paddingValues = [Float](repeating: 0, count: b * s)
        for j in 100..<s { paddingValues[s + j] = -.infinity }  // the second sequence is 100 long
        let padding = Tensor<Float>(paddingValues, shape: [b, s])
        for (m, p, causal) in [(nil, nil, false), (mask, nil, false), (nil, padding, false), (mask, padding, true)] as [(Tensor<Float>?, Tensor<Float>?, Bool)] {
            let fused = scaledDotProductAttention(query: q, key: k, value: v, attnMask: m, keyPaddingMask: p, isCausal: causal)
            let materialised = Self.reference(q, k, v, mask: m, padding: p, causal: causal)
            #expect(fused.shape == [b, h, l, 5])
            #expect(Self.maxDifference(fused.scalars, materialised.scalars) < 2e-6, "mask \(m != nil) padding \(p != nil) causal \(causal)")
        }
    }

    @Test("the fused backward equals the recorded closed form (Float, several tiles)")
    func backwardMatchesGraph() {
        var g = RandomGenerator(seed: 5)
        let q = Tensor<Float>.randn([3, 97, 6], generator: &g, requiresGrad: true)
        let k = Tensor<Float>.randn([3, 81, 6], generator: &g, requiresGrad: true)
        let v = Tensor<Float>.randn([3, 81, 4], generator: &g, requiresGrad: true)
        let w = Tensor<Float>.randn([3, 97, 4], generator: &g)
        let out = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)
        let fused = Tensor.gradients(of: (out * w).sum(), withRespectTo: [q, k, v])
        let graph = Tensor.gradients(of: (Self.reference(q, k, v, mask: nil, padding: nil, causal: true) * w).sum(), withRespectTo: [q, k, v])
        for (a, b) in zip(fused, graph) {
            #expect(Self.maxDifference(a.scalars, b.scalars) < 1e-5)
        }
    }

    @Test("forward and backward are bitwise identical for 1–4 threads")
    func threadInvariance() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 8)
        let q = Tensor<Float>.randn([4, 130, 8], generator: &g, requiresGrad: true)
        let k = Tensor<Float>.randn([4, 140, 8], generator: &g, requiresGrad: true)
        let v = Tensor<Float>.randn([4, 140, 8], generator: &g, requiresGrad: true)
        func run() -> [[UInt32]] {
            let out = scaledDotProductAttention(query: q, key: k, value: v)
            let grads = Tensor.gradients(of: (out * out).sum(), withRespectTo: [q, k, v])
            return ([out] + grads).map { $0.scalars.map(\.bitPattern) }
        }
        Threading.threadCount = 1
        let first = run()
        for threads in 2...4 {
            Threading.threadCount = threads
            #expect(run() == first, "\(threads) threads")
        }
    }

    /// `[N, L, h·E]` → `[N, h, L, E]`.
    static func splitHeads(_ t: Tensor<Float>, _ heads: Int) -> Tensor<Float> {
        t.reshaped([t.shape[0], t.shape[1], heads, t.shape[2] / heads]).permuted([0, 2, 1, 3])
    }

    @Test("heads side by side and one packed projection equal split heads, forward and backward; thread-invariant")
    func multiheadLayouts() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 9)
        let (n, l, h, e) = (2, 70, 3, 4)
        let packed = Tensor<Float>.randn([n, l, 3 * h * e], generator: &g, requiresGrad: true)
        let w = Tensor<Float>.randn([n, l, h * e], generator: &g)
        let padding = Tensor<Float>((0..<(n * l)).map { $0 % l > 60 && $0 >= l ? -.infinity : 0 }, shape: [n, l])
        let mask = Tensor<Float>.randn([n * h, l, l], generator: &g)
        func merge(_ t: Tensor<Float>) -> Tensor<Float> { t.permuted([0, 2, 1, 3]).reshaped([n, l, h * e]) }
        for causal in [false, true] {
            // Reference: split the packed tensor and the heads, attend, merge.
            let parts = packed.split(sizes: [h * e, h * e, h * e], dim: 2)
            let reference = merge(scaledDotProductAttention(
                query: Self.splitHeads(parts[0], h), key: Self.splitHeads(parts[1], h), value: Self.splitHeads(parts[2], h),
                attnMask: mask.reshaped([n, h, l, l]), keyPaddingMask: padding, isCausal: causal))
            let referenceGrad = Tensor.gradients(of: (reference * w).sum(), withRespectTo: [packed])[0]
            func runPacked() -> (Tensor<Float>, Tensor<Float>) {
                let out = multiheadSelfAttention(packed: packed, heads: h, attnMask: mask, keyPaddingMask: padding, isCausal: causal)
                return (out, Tensor.gradients(of: (out * w).sum(), withRespectTo: [packed])[0])
            }
            Threading.threadCount = 1
            let (out, grad) = runPacked()
            #expect(Self.maxDifference(out.scalars, reference.scalars) < 1e-6, "packed forward, causal \(causal)")
            #expect(Self.maxDifference(grad.scalars, referenceGrad.scalars) < 1e-5, "packed backward, causal \(causal)")
            for threads in 2...4 {
                Threading.threadCount = threads
                let (o, gr) = runPacked()
                #expect(o.scalars.map(\.bitPattern) == out.scalars.map(\.bitPattern) && gr.scalars.map(\.bitPattern) == grad.scalars.map(\.bitPattern), "\(threads) threads")
            }
            Threading.threadCount = saved
            // Heads side by side, separate tensors (copies of the packed parts).
            let q = parts[0].detached(), k = parts[1].detached(), v = parts[2].detached()
            let side = multiheadAttention(query: q, key: k, value: v, heads: h, attnMask: mask, keyPaddingMask: padding, isCausal: causal)
            #expect(side.scalars.map(\.bitPattern) == out.scalars.map(\.bitPattern), "heads side by side, causal \(causal)")
        }
    }

    @Test("a query whose keys are all hidden gives NaN, as in PyTorch; the others are unaffected")
    func fullyMasked() {
        let q = Tensor<Double>([1, 2, 3, 4], shape: [1, 2, 2]), k = Tensor<Double>([1, 0, 0, 1], shape: [1, 2, 2])
        let v = Tensor<Double>([5, 7], shape: [1, 2, 1])
        let mask = Tensor<Double>([-.infinity, -.infinity, 0, -.infinity], shape: [2, 2])
        let out = scaledDotProductAttention(query: q, key: k, value: v, attnMask: mask).scalars
        #expect(out[0].isNaN && out[1] == 5)
    }
}

@Suite("MultiheadAttention")
struct MultiheadAttentionTests {
    @Test("PyTorch's parameter names and shapes, packed and separate projections")
    func parameters() {
        var g = RandomGenerator(seed: 1)
        let packed = MultiheadAttention<Float>(embedDim: 8, numHeads: 2, generator: &g)
        #expect(packed.stateDict().map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(packed.inProjWeight?.shape == [24, 8])
        let separate = MultiheadAttention<Float>(embedDim: 8, numHeads: 4, bias: false, kdim: 3, vdim: 5, generator: &g)
        #expect(separate.namedParameters().map(\.name) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"])
        #expect(separate.namedParameters().map(\.tensor.shape) == [[8, 8], [8, 3], [8, 5], [8, 8]])
    }

    @Test("the kernel path equals the materialised path; layouts agree; weights average over heads")
    func paths() throws {
        var g = RandomGenerator(seed: 2)
        let mha = MultiheadAttention<Double>(embedDim: 8, numHeads: 2, generator: &g)
        let x = Tensor<Double>.randn([5, 3, 8], generator: &g)  // [L, N, E]
        let mask = additiveMask(Tensor<Double>((0..<25).map { $0 % 6 == 1 ? 1 : 0 }, shape: [5, 5]))
        let fast = mha(query: x, key: x, value: x, needWeights: false, attnMask: mask).output
        let (slow, weights) = mha(query: x, key: x, value: x, needWeights: true, attnMask: mask, averageAttnWeights: false)
        #expect(zip(fast.scalars, slow.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(weights?.shape == [3, 2, 5, 5])
        let averaged = mha(query: x, key: x, value: x, attnMask: mask).weights!
        #expect(zip(averaged.scalars, weights!.mean(dim: 1).scalars).allSatisfy { abs($0 - $1) < 1e-15 })
        // Each row of weights sums to 1 and is 0 where masked.
        #expect(averaged.sum(dim: -1).scalars.allSatisfy { abs($0 - 1) < 1e-12 })
        // batchFirst and unbatched inputs give the same numbers.
        let first = MultiheadAttention<Double>(embedDim: 8, numHeads: 2, batchFirst: true, generator: &g)
        try first.loadStateDict(Dictionary(uniqueKeysWithValues: mha.stateDict().map { ($0.name, $0.tensor) }))
        let bf = first(query: x.transposed(0, 1), key: x.transposed(0, 1), value: x.transposed(0, 1), needWeights: false).output
        #expect(zip(bf.transposed(0, 1).scalars, mha(query: x, key: x, value: x, needWeights: false).output.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        let single = x.sliced(dim: 1, 1..<2).squeezed(1)
        #expect(zip(mha(query: single, key: single, value: single, needWeights: false).output.scalars, mha(query: x, key: x, value: x, needWeights: false).output.sliced(dim: 1, 1..<2).scalars).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}

@Suite("Positional encodings")
struct PositionalEncodingTests {
    @Test("sinusoidal encodings follow the formula; learned ones add table rows from an offset")
    func encodings() {
        let pe = sinusoidalPositionalEncoding(length: 4, dModel: 6, as: Double.self)
        #expect(pe.shape == [4, 6])
        let v = pe.scalars
        #expect(v[0] == 0 && v[1] == 1)  // position 0: sin 0, cos 0
        #expect(abs(v[3 * 6 + 2] - sin(3 / pow(10000, 2.0 / 6))) < 1e-15)
        #expect(abs(v[3 * 6 + 5] - cos(3 / pow(10000, 4.0 / 6))) < 1e-15)
        var g = RandomGenerator(seed: 1)
        let learned = LearnedPositionalEmbedding<Double>(maxLength: 10, dModel: 3, generator: &g)
        let x = Tensor<Double>.zeros([2, 4, 3])
        let y = learned(x, offset: 5)
        #expect(Array(y.scalars[0..<12]) == Array(learned.weight.scalars[15..<27]))
        #expect(learned.namedParameters().map(\.name) == ["weight"])
    }
}

import Glassbox
#if canImport(Glibc)
import Glibc
#endif

/// `Benchmarks attention-memory --length N`: one forward and backward pass of attention (batch
/// 1, 4 heads, head size 32, no weights requested) at sequence length N, then the process's
/// peak resident memory (`getrusage` maxrss). Run once per length (peak memory is per process):
///
///     for n in 1024 2048 4096; do .build/release/Benchmarks attention-memory --length $n; done
///
/// The inputs, outputs and gradients take 4 · 3 · N · 128 · 4 bytes each way — linear in N; an
/// L × S attention matrix would add 4 · N² · 4 bytes (256 MiB at N = 4096).
enum AttentionMemoryBenchmark {
    static func run(length: Int, json: Bool) {
        let heads = 4, headDim = 32
        let before = peakResidentBytes()
        var generator = RandomGenerator(seed: 1)
        let q = Tensor<Float>.randn([1, heads, length, headDim], generator: &generator, requiresGrad: true)
        let k = Tensor<Float>.randn([1, heads, length, headDim], generator: &generator, requiresGrad: true)
        let v = Tensor<Float>.randn([1, heads, length, headDim], generator: &generator, requiresGrad: true)
        let out = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)
        out.sum().backward()
        precondition(q.grad != nil && k.grad != nil && v.grad != nil)
        let peak = peakResidentBytes()
        let quadratic = heads * length * length * MemoryLayout<Float>.stride
        if json {
            print("{\"length\":\(length),\"peak_bytes\":\(peak),\"startup_peak_bytes\":\(before),\"attention_matrix_bytes\":\(quadratic)}")
        } else {
            print("length \(length): peak resident \(peak >> 20) MiB (\(before >> 20) MiB before the pass; the L×S weights of all heads would take \(quadratic >> 20) MiB)")
        }
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

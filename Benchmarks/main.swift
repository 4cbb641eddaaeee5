// GEMM throughput of Glassbox's kernels: n in 256, 512, 1024, 2048, one thread and all,
// Float and Double, median of 5 timings each. Run through `Benchmarks/numpy_gemm.py` to see the
// ratio to numpy measured in the same run.
//
// `conv` mode: the seed CNN's convolution layers (ConvolutionBenchmark.swift); run through
// `Benchmarks/torch_conv.py` for the ratio to PyTorch. `attention-memory` mode: peak memory of
// one attention forward and backward pass at a sequence length (AttentionMemory.swift). `vmath`
// mode: the Float vector math functions against the libm loop (VectorMathBenchmark.swift).
//
//   swift build -c release --traits FMA -Xswiftc -target-cpu -Xswiftc native
//   .build/release/Benchmarks [--sizes 256,512,1024,2048] [--threads 1,2] [--json]
//   .build/release/Benchmarks conv [--threads 1,2] [--json]
//   .build/release/Benchmarks attention-memory --length 4096 [--json]
//   .build/release/Benchmarks vmath [--json]
//   .build/release/Benchmarks convpass [--threads 1,2] [--filter gan]
import Glassbox
#if canImport(Glibc)
import Glibc
#endif

var sizes = [256, 512, 1024, 2048]
var threadCounts = Array(Set([1, Threading.coreCount])).sorted()
var json = false
var arguments = Array(CommandLine.arguments.dropFirst())
let convolution = arguments.first == "conv"
if convolution { arguments.removeFirst() }
let attentionMemory = arguments.first == "attention-memory"
if attentionMemory { arguments.removeFirst() }
let vectorMath = arguments.first == "vmath"
if vectorMath { arguments.removeFirst() }
let convolutionPasses = arguments.first == "convpass"
if convolutionPasses { arguments.removeFirst() }
var layerFilter: String? = nil
var length = 4096
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    switch flag {
    case "--sizes": sizes = arguments.removeFirst().split(separator: ",").compactMap { Int($0) }
    case "--threads": threadCounts = arguments.removeFirst().split(separator: ",").compactMap { Int($0) }
    case "--json": json = true
    case "--length": length = Int(arguments.removeFirst()) ?? length
    case "--filter": layerFilter = arguments.removeFirst()
    default:
        print("usage: Benchmarks [--sizes 256,512] [--threads 1,2] [--json] | Benchmarks conv [--threads 1,2] [--json] | Benchmarks attention-memory --length N [--json] | Benchmarks vmath [--json]")
        exit(2)
    }
}

if convolutionPasses {
    ConvolutionPassBenchmark.run(threadCounts: threadCounts, filter: layerFilter)
    exit(0)
}
if convolution {
    ConvolutionBenchmark.run(threadCounts: threadCounts, json: json)
    exit(0)
}
if attentionMemory {
    AttentionMemoryBenchmark.run(length: length, json: json)
    exit(0)
}
if vectorMath {
    VectorMathBenchmark.run(json: json)
    exit(0)
}
if !json {
    print("configuration \(BuildConfiguration.name): \(BuildConfiguration.gemmKernel(for: Float.self)), \(BuildConfiguration.gemmKernel(for: Double.self))")
    print("n\tthreads\tscalar\tGFLOP/s")
}
for n in sizes {
    for threads in threadCounts {
        Threading.threadCount = threads
        for (name, gflops) in [
            ("f32", GEMMBenchmark.gflops(Float.self, size: n)), ("f64", GEMMBenchmark.gflops(Double.self, size: n)),
        ] {
            if json {
                print("{\"n\":\(n),\"threads\":\(threads),\"scalar\":\"\(name)\",\"gflops\":\(gflops),\"configuration\":\"\(BuildConfiguration.name)\"}")
            } else {
                print("\(n)\t\(threads)\t\(name)\t\((gflops * 10).rounded() / 10)")
            }
        }
    }
}

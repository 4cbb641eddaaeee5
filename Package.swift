// swift-tools-version:6.1
// Glassbox: a deep-learning library in pure Swift. No package dependencies, no C, no unsafe build flags.
import PackageDescription

let package = Package(
    name: "Glassbox",
    products: [
        .library(name: "Glassbox", targets: ["Glassbox"]),
        .library(name: "GlassboxIO", targets: ["GlassboxIO"]),
        .library(name: "GlassboxKernels", targets: ["GlassboxKernels"]),
        .library(name: "GlassboxONNX", targets: ["GlassboxONNX"]),
        .executable(name: "glassbox", targets: ["glassbox"]),
    ],
    traits: [
        .trait(
            name: "FMA",
            description: """
                Use fused multiply-add in the SIMD kernels. Enable only together with a target CPU \
                that has FMA (e.g. -Xswiftc -target-cpu -Xswiftc native); without it each fused \
                lane becomes a libm call.
                """),
        .trait(
            name: "AVX512",
            description: """
                Use the SIMD16 (512-bit) GEMM micro-kernels. Implies FMA; needs a target CPU \
                with AVX-512 (e.g. skylake-avx512, znver4, native on such a machine).
                """,
            enabledTraits: ["FMA"]),
    ],
    targets: [
        .target(name: "GlassboxKernels"),
        .target(name: "GlassboxIO"),
        .target(
            name: "Glassbox", dependencies: ["GlassboxKernels", "GlassboxIO"],
            exclude: ["Datasets/digits.csv.gz", "Datasets/LICENSE-digits.md", "Datasets/mnist"]),
        .target(name: "GlassboxONNX", dependencies: ["Glassbox", "GlassboxIO"]),
        .executableTarget(
            name: "glassbox", dependencies: ["Glassbox", "GlassboxIO", "GlassboxKernels", "GlassboxONNX"],
            path: "Sources/glassbox"),
        .executableTarget(
            name: "Benchmarks", dependencies: ["Glassbox", "GlassboxKernels"],
            path: "Benchmarks", exclude: ["README.md", "numpy_gemm.py", "ratios.py", "readme_job.py", "torch_cnn.py", "torch_conv.py", "torch_layers.py", "torch_train.py"]),
        .testTarget(name: "GlassboxKernelsTests", dependencies: ["GlassboxKernels"]),
        .testTarget(name: "GlassboxTests", dependencies: ["Glassbox"], exclude: ["Fixtures"]),
        .testTarget(name: "GlassboxIOTests", dependencies: ["GlassboxIO"], exclude: ["Fixtures"]),
        .testTarget(
            name: "GlassboxONNXTests", dependencies: ["GlassboxONNX", "GlassboxIO", "Glassbox"],
            exclude: ["conformance-baseline.txt", "conformance-passing.txt", "Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

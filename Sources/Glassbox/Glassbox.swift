// Glassbox re-exports its kernel layer, so `import Glassbox` alone is enough to use
// `Tensor<Float>` (whose scalar conformances live in GlassboxKernels) and `Threading`.
@_exported import GlassboxKernels

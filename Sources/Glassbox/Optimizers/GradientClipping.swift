#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Scales gradients in place so that their joint norm is at most `maxNorm`, like
/// `torch.nn.utils.clip_grad_norm_`, and returns the joint norm before clipping.
///
/// The joint norm is the `normType`-norm of the per-parameter norms (equivalently of all
/// gradient elements together; `.infinity` gives the largest magnitude). Every gradient is
/// multiplied by `min(1, maxNorm / (total + 10⁻⁶))`. Parameters without a gradient are
/// ignored. Sums accumulate in `Double`.
@discardableResult
public func clipGradNorm<Scalar>(_ parameters: [Tensor<Scalar>], maxNorm: Double, normType: Double = 2) -> Double {
    let grads = parameters.compactMap(\.grad)
    if grads.isEmpty { return 0 }
    let norms: [Double] = grads.map { g in
        g.withUnsafeBufferPointer { p in
            if normType == .infinity { return p.reduce(0) { Swift.max($0, Double(Swift.abs($1))) } }
            if normType == 2 { return p.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
            return pow(p.reduce(0) { $0 + pow(Double(Swift.abs($1)), normType) }, 1 / normType)
        }
    }
    let total: Double
    if normType == .infinity {
        total = norms.max() ?? 0
    } else if normType == 2 {
        total = norms.reduce(0) { $0 + $1 * $1 }.squareRoot()
    } else {
        total = pow(norms.reduce(0) { $0 + pow($1, normType) }, 1 / normType)
    }
    let coefficient = maxNorm / (total + 1e-6)
    if coefficient < 1 {
        let c = Scalar(coefficient)
        for g in grads {
            g.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = p[i] * c }
            }
        }
    }
    return total
}

/// Clamps every gradient element into `[−clipValue, clipValue]` in place, like
/// `torch.nn.utils.clip_grad_value_`.
public func clipGradValue<Scalar>(_ parameters: [Tensor<Scalar>], clipValue: Double) {
    let c = Scalar(clipValue)
    for p in parameters {
        p.grad?.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = Swift.min(Swift.max(g[i], -c), c) }
        }
    }
}

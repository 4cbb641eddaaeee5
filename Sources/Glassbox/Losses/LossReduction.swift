import GlassboxKernels

/// How a loss combines its per-element values, like PyTorch's `reduction=` argument.
public enum LossReduction: String, Sendable, CaseIterable {
    /// Per-element losses, unreduced.
    case none
    /// The mean (for class-index losses: the weighted mean over non-ignored targets).
    case mean
    /// The sum.
    case sum
}

extension Tensor {
    /// Applies `reduction` to per-element losses (`mean` divides by the element count).
    func reduced(_ reduction: LossReduction) -> Tensor {
        switch reduction {
        case .none: self
        case .mean: mean()
        case .sum: sum()
        }
    }
}

import GlassboxKernels

/// Input attributions: which input elements a model's score for one class depends on.
///
/// Both methods differentiate the model's output for class `target` (the score, i.e. the logit
/// of a classifier, before any softmax) with respect to the input. The model runs in
/// evaluation mode (its training mode is restored afterwards); parameters receive no gradient.
public enum Attribution {
    /// Input-gradient saliency (Simonyan et al. 2013): `∂F_c(x)/∂x` for one sample.
    ///
    /// - Parameters:
    ///   - input: one sample, shaped as the model expects *without* the batch dimension
    ///     (e.g. `[1, 28, 28]`).
    ///   - target: the class whose score is differentiated.
    /// - Returns: the gradient, shaped like `input` (signed; take `abs()` for a saliency map).
    public static func saliency<Model: Layer>(
        _ model: Model, input: Tensor<Model.Scalar>, target: Int
    ) -> Tensor<Model.Scalar> {
        integrand(model, points: input.unsqueezed(0), target: target).squeezed(0)
    }

    /// Integrated gradients (Sundararajan et al. 2017) along the straight path from `baseline`
    /// to `input`, by the trapezoidal rule on `steps` intervals:
    ///
    ///     IGᵢ(x) = (xᵢ − x′ᵢ) · ∫₀¹ ∂F_c(x′ + α(x − x′))/∂xᵢ dα
    ///           ≈ (xᵢ − x′ᵢ) · Σₖ wₖ ∂F_c(x′ + (k/m)(x − x′))/∂xᵢ,  k = 0…m,
    ///
    /// with `wₖ = 1/m`, halved at both ends. The attributions add up to `F_c(x) − F_c(x′)`
    /// up to the quadrature error (the *completeness* property, which the tests check).
    /// The `steps + 1` interpolates run as batches of at most `batchSize` samples.
    ///
    /// - Parameters:
    ///   - input: one sample without the batch dimension.
    ///   - baseline: the reference input, shaped like `input` (default: all zeros).
    ///   - target: the class whose score is attributed.
    ///   - steps: the number of intervals `m` (≥ 1).
    /// - Returns: the attributions, shaped like `input`.
    public static func integratedGradients<Model: Layer>(
        _ model: Model, input: Tensor<Model.Scalar>, baseline: Tensor<Model.Scalar>? = nil,
        target: Int, steps: Int = 50, batchSize: Int = 64
    ) -> Tensor<Model.Scalar> {
        typealias T = Tensor<Model.Scalar>
        precondition(steps >= 1, "integratedGradients: steps must be at least 1, got \(steps)")
        precondition(batchSize >= 1, "integratedGradients: batchSize must be at least 1, got \(batchSize)")
        let base = baseline ?? T.zeros(input.shape)
        precondition(
            base.shape == input.shape,
            "integratedGradients: baseline shape \(base.shape) differs from input shape \(input.shape)")
        let x = input.detached(), x0 = base.detached()
        let difference = withoutGrad { x - x0 }
        var total = T.zeros(input.shape)
        var k = 0
        while k <= steps {
            let count = Swift.min(batchSize, steps + 1 - k)
            let alphas = (k..<(k + count)).map { Model.Scalar($0) / Model.Scalar(steps) }
            let weights = (k..<(k + count)).map { j -> Model.Scalar in
                (j == 0 || j == steps ? 0.5 : 1) / Model.Scalar(steps)
            }
            let alphaShape = [count] + [Int](repeating: 1, count: input.rank)
            let points = withoutGrad {
                x0.unsqueezed(0) + T(alphas, shape: alphaShape) * difference.unsqueezed(0)
            }
            let gradients = integrand(model, points: points, target: target)
            total = withoutGrad { total + (gradients * T(weights, shape: alphaShape)).sum(dim: 0) }
            k += count
        }
        return withoutGrad { total * difference }
    }

    /// `∂F_c/∂x` at each sample of the batch `points` (the samples are independent, so the
    /// gradient of the summed scores gives every sample's own gradient).
    static func integrand<Model: Layer>(
        _ model: Model, points: Tensor<Model.Scalar>, target: Int
    ) -> Tensor<Model.Scalar> {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let x = points.detached()
        x.requiresGrad = true
        let scores = model(x)
        precondition(
            scores.rank == 2 && (0..<scores.shape[1]).contains(target),
            "attribution: model output \(scores.shape) has no class \(target) (expected [batch, classes])")
        let score = scores.sliced(dim: 1, target..<(target + 1)).sum()
        return Tensor.gradients(of: score, withRespectTo: [x])[0]
    }
}

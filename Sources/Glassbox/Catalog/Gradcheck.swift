import GlassboxKernels

/// The outcome of ``gradcheck(_:inputs:epsilon:tolerance:maxElementwiseCount:directions:seed:)``.
public struct GradcheckResult: Sendable, CustomStringConvertible {
    /// The largest error over all checked components, each measured as
    /// `|analytic − numeric| / max(|numeric|, |analytic|, floor)`.
    public var maxRelativeError: Double
    /// The largest absolute difference between analytic and numeric values.
    public var maxAbsoluteError: Double
    /// How many components (elements or directions) were compared.
    public var checkedCount: Int
    /// The tolerance the errors were held to.
    public var tolerance: Double
    /// Where the largest error occurred (input index and element or direction).
    public var worst: String

    /// Whether every component was within tolerance.
    public var passed: Bool { maxRelativeError <= tolerance }

    /// A one-line summary.
    public var description: String {
        "gradcheck \(passed ? "passed" : "FAILED"): max relative error \(maxRelativeError) (tolerance \(tolerance)), max absolute \(maxAbsoluteError), \(checkedCount) components, worst at \(worst)"
    }
}

/// Checks the gradients of `function` against central finite differences, in `Double`.
///
/// The scalar checked is `L(x) = Σ f(x) ⊙ w` with fixed random weights `w` (so no gradient
/// component cancels by symmetry). For inputs with at most `maxElementwiseCount` elements every
/// element is perturbed: `∂L/∂xᵢ ≈ (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε`. Larger inputs are checked
/// along `directions` random unit directions `v`: `⟨∇L, v⟩ ≈ (L(x + εv) − L(x − εv)) / 2ε`.
///
/// Each component's error is `|a − n| / max(|n|, |a|, 10⁻³)`: relative for gradients of
/// ordinary size, absolute (scaled by 10³) near zero, where relative error is meaningless.
///
/// - Parameters:
///   - function: maps the inputs to any tensor; it must be deterministic.
///   - inputs: the points at which to check; only those with `requiresGrad` are checked.
///   - epsilon: the finite-difference step.
///   - tolerance: the largest acceptable error.
public func gradcheck(
    _ function: ([Tensor<Double>]) -> Tensor<Double>,
    inputs: [Tensor<Double>],
    epsilon: Double = 1e-6,
    tolerance: Double = 1e-6,
    maxElementwiseCount: Int = 256,
    directions: Int = 8,
    seed: UInt64 = 42
) -> GradcheckResult {
    var generator = RandomGenerator(seed: seed)
    let probe = withoutGrad { function(inputs) }
    let weights = Tensor<Double>.uniform(probe.shape, low: 0.5, high: 1.5, generator: &generator)
    func loss() -> Double { withoutGrad { (function(inputs) * weights).sum().item } }

    let output = function(inputs)
    let checked = inputs.filter { $0.requiresGrad }
    precondition(!checked.isEmpty, "gradcheck: no input requires grad")
    precondition(output.requiresGrad, "gradcheck: the function's output does not depend on any input that requires grad")
    let analytic = Tensor<Double>.gradients(of: (output * weights).sum(), withRespectTo: checked)

    var result = GradcheckResult(maxRelativeError: 0, maxAbsoluteError: 0, checkedCount: 0, tolerance: tolerance, worst: "-")
    func record(_ a: Double, _ n: Double, _ place: String) {
        let abs = Swift.abs(a - n)
        let rel = abs / Swift.max(Swift.abs(n), Swift.abs(a), 1e-3)
        result.checkedCount += 1
        result.maxAbsoluteError = Swift.max(result.maxAbsoluteError, abs)
        if rel > result.maxRelativeError || rel.isNaN {
            result.maxRelativeError = rel.isNaN ? .infinity : rel
            result.worst = "\(place): analytic \(a), numeric \(n)"
        }
    }
    for (k, x) in checked.enumerated() {
        let g = analytic[k].scalars
        x.withUnsafeMutableBufferPointer { p in
            if x.count <= maxElementwiseCount {
                for i in 0..<x.count {
                    let saved = p[i]
                    p[i] = saved + epsilon
                    let plus = loss()
                    p[i] = saved - epsilon
                    let minus = loss()
                    p[i] = saved
                    record(g[i], (plus - minus) / (2 * epsilon), "input \(k) element \(i)")
                }
            } else {
                let saved = Array(p)
                for r in 0..<directions {
                    var v = (0..<x.count).map { _ in generator.nextNormal() }
                    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    v = v.map { $0 / norm }
                    for i in 0..<x.count { p[i] = saved[i] + epsilon * v[i] }
                    let plus = loss()
                    for i in 0..<x.count { p[i] = saved[i] - epsilon * v[i] }
                    let minus = loss()
                    for i in 0..<x.count { p[i] = saved[i] }
                    let directional = zip(g, v).reduce(0) { $0 + $1.0 * $1.1 }
                    record(directional, (plus - minus) / (2 * epsilon), "input \(k) direction \(r)")
                }
            }
        }
    }
    return result
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif


/// The Inception-style score of class probabilities `p(y | xᵢ)` (Salimans et al. 2016):
///
/// `IS = exp( (1/N) Σᵢ KL(p(y | xᵢ) ‖ p(y)) )`, with `p(y) = (1/N) Σᵢ p(y | xᵢ)`,
///
/// computed over all N rows at once (no splits). It lies in `[1, classCount]`: 1 when every
/// sample gets the same prediction, `classCount` when each prediction is certain and the
/// classes are equally frequent. Terms with `p(y | x) = 0` contribute 0.
///
/// - Parameters:
///   - probabilities: `N × classCount` row-major, each row a distribution.
/// - Precondition: `N ≥ 1` whole rows.
public func inceptionScore(probabilities: [Double], classCount: Int) -> Double {
    precondition(
        classCount > 0 && !probabilities.isEmpty && probabilities.count % classCount == 0,
        "inceptionScore: \(probabilities.count) probabilities are not whole rows of \(classCount) classes")
    let n = probabilities.count / classCount
    var marginal = [Double](repeating: 0, count: classCount)
    for i in 0..<n { for c in 0..<classCount { marginal[c] += probabilities[i * classCount + c] } }
    marginal = marginal.map { $0 / Double(n) }
    var klSum = 0.0
    for i in 0..<n {
        for c in 0..<classCount {
            let p = probabilities[i * classCount + c]
            if p > 0 { klSum += p * (log(p) - log(marginal[c])) }
        }
    }
    return exp(klSum / Double(n))
}

/// The mean and covariance of a set of feature vectors: what the Fréchet distance compares.
public struct FeatureStatistics: Sendable {
    /// The mean feature vector.
    public let mean: [Double]
    /// The unbiased covariance (divided by N − 1, as `numpy.cov`).
    public let covariance: SymmetricMatrix
    /// The number of vectors.
    public let count: Int

    /// The statistics of `features`, `count × dimension` row-major, accumulated in `Double` in
    /// row order.
    ///
    /// - Precondition: at least two whole rows.
    public init(features: [Double], dimension: Int) {
        precondition(
            dimension > 0 && features.count % dimension == 0 && features.count / dimension >= 2,
            "FeatureStatistics: \(features.count) values are not at least two rows of \(dimension)")
        let n = features.count / dimension
        var mean = [Double](repeating: 0, count: dimension)
        for i in 0..<n { for d in 0..<dimension { mean[d] += features[i * dimension + d] } }
        mean = mean.map { $0 / Double(n) }
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var centred = [Double](repeating: 0, count: dimension)
        for i in 0..<n {
            for d in 0..<dimension { centred[d] = features[i * dimension + d] - mean[d] }
            for a in 0..<dimension {
                let ca = centred[a]
                for b in a..<dimension { covariance[a * dimension + b] += ca * centred[b] }
            }
        }
        for a in 0..<dimension {
            for b in a..<dimension {
                let value = covariance[a * dimension + b] / Double(n - 1)
                covariance[a * dimension + b] = value
                covariance[b * dimension + a] = value
            }
        }
        self.mean = mean
        self.covariance = SymmetricMatrix(order: dimension, entries: covariance)
        self.count = n
    }
}

/// The Fréchet distance between the Gaussians fitted to two feature sets (Heusel et al. 2017,
/// "FID" with the Inception network):
///
/// `FD = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½)`.
///
/// `tr((Σ₁^½ Σ₂ Σ₁^½)^½)` equals `tr((Σ₁Σ₂)^½)` but its argument is symmetric positive
/// semi-definite, so both square roots come from a symmetric eigendecomposition
/// (``SymmetricMatrix/eigendecomposition()``, Jacobi): `Σ₁^½ = V diag(√λ) Vᵀ`, and the trace of
/// the outer root is `Σ √max(λᵢ, 0)` over the eigenvalues of `Σ₁^½ Σ₂ Σ₁^½`.
///
/// - Precondition: both have the same dimension.
public func frechetDistance(_ a: FeatureStatistics, _ b: FeatureStatistics) -> Double {
    precondition(
        a.mean.count == b.mean.count,
        "frechetDistance: feature dimensions \(a.mean.count) and \(b.mean.count) differ")
    var meanTerm = 0.0
    for d in a.mean.indices { meanTerm += (a.mean[d] - b.mean[d]) * (a.mean[d] - b.mean[d]) }
    let root = a.covariance.squareRoot()
    let crossTrace = root.sandwiching(b.covariance).eigendecomposition().values.reduce(0) { $0 + Swift.max($1, 0).squareRoot() }
    return meanTerm + a.covariance.trace + b.covariance.trace - 2 * crossTrace
}

/// A classifier's view of a set of images: class probabilities and penultimate features.
public struct ClassifierView: Sendable {
    /// `N × classes` softmax probabilities, row-major.
    public var probabilities: [Double] = []
    /// `N × dimension` features (the input of the last layer), row-major.
    public var features: [Double] = []
    /// The feature dimension.
    public var dimension = 0

    /// Runs `classifier` (in its current mode, without gradients) over `count` 28 × 28 images of
    /// pixels in [0, 1] (`count × 784`, normalised with `mean` and `std` first), in batches of
    /// `batchSize`: every layer but the last gives the features, the last the logits.
    public init(_ classifier: Sequential<Float>, pixels: [Float], count: Int, mean: Float, std: Float, batchSize: Int = 500) {
        let layers = classifier.layers
        withoutGrad {
            for start in stride(from: 0, to: count, by: batchSize) {
                let n = Swift.min(batchSize, count - start)
                let x = Tensor(pixels[(start * 784)..<((start + n) * 784)].map { ($0 - mean) / std }, shape: [n, 1, 28, 28])
                let features = layers.dropLast().reduce(x) { $1($0) }
                let logits = layers.last!(features)
                dimension = features.count / n
                self.features += features.scalars.map(Double.init)
                probabilities += logits.softmax(dim: 1).scalars.map(Double.init)
            }
        }
    }
}

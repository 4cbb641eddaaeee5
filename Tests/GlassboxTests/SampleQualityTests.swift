import Foundation
import Glassbox
import Testing

@Suite("Sample quality: Inception-style score, Fréchet distance, symmetric eigendecomposition")
struct SampleQualityTests {
    @Test("IS of certain, uniformly spread predictions is the class count; of identical predictions, 1")
    func inceptionScoreBounds() {
        let oneHot = (0..<50).flatMap { i in (0..<10).map { $0 == i % 10 ? 1.0 : 0.0 } }
        #expect(Swift.abs(inceptionScore(probabilities: oneHot, classCount: 10) - 10) < 1e-12)
        let same = (0..<20).flatMap { _ in [0.7, 0.2, 0.1] }
        #expect(Swift.abs(inceptionScore(probabilities: same, classCount: 3) - 1) < 1e-12)
        // Two classes, certain, 3:1 → exp(entropy of (¾, ¼)).
        let skewed = [1.0, 0, 1, 0, 1, 0, 0, 1]
        #expect(Swift.abs(inceptionScore(probabilities: skewed, classCount: 2) - exp(-(0.75 * log(0.75) + 0.25 * log(0.25)))) < 1e-12)
    }

    /// `count` vectors of `dimension` correlated Gaussian features.
    static func features(count: Int, dimension: Int, seed: UInt64) -> [Double] {
        var g = RandomGenerator(seed: seed)
        var out: [Double] = []
        for _ in 0..<count {
            var z: [Double] = []
            for _ in 0..<dimension { z.append(g.nextNormal()) }
            for d in 0..<dimension {
                let value: Double = z[d] + 0.5 * z[(d + 1) % dimension] + Double(d) * 0.1
                out.append(value)
            }
        }
        return out
    }

    @Test("FD of a set with itself is 0; of a shifted copy, the squared shift")
    func frechetKnownCases() {
        let a = Self.features(count: 400, dimension: 16, seed: 1)
        let statistics = FeatureStatistics(features: a, dimension: 16)
        #expect(Swift.abs(frechetDistance(statistics, statistics)) < 1e-8)
        let shift = (0..<16).map { Double($0 % 3) - 0.5 }
        let shifted = a.enumerated().map { $0.element + shift[$0.offset % 16] }
        let expected = shift.reduce(0) { $0 + $1 * $1 }
        #expect(Swift.abs(frechetDistance(statistics, FeatureStatistics(features: shifted, dimension: 16)) - expected) < 1e-8)
    }

    @Test("FD of two 1-D Gaussians is (μ₁ − μ₂)² + (σ₁ − σ₂)²; different sets give a positive distance")
    func frechetOneDimension() {
        // Samples ±1 around the mean: mean μ, unbiased variance n/(n−1).
        let a = FeatureStatistics(features: [1, 3, 1, 3], dimension: 1)  // μ 2, σ² 4/3
        let b = FeatureStatistics(features: [-2, 4, -2, 4], dimension: 1)  // μ 1, σ² 12
        let expected = 1 + pow((4.0 / 3).squareRoot() - 12.0.squareRoot(), 2)
        #expect(Swift.abs(frechetDistance(a, b) - expected) < 1e-12)
        let c = FeatureStatistics(features: Self.features(count: 300, dimension: 8, seed: 2), dimension: 8)
        let d = FeatureStatistics(features: Self.features(count: 300, dimension: 8, seed: 3).map { $0 * 1.5 }, dimension: 8)
        #expect(frechetDistance(c, d) > 0.5)
        #expect(Swift.abs(frechetDistance(c, d) - frechetDistance(d, c)) < 1e-8)
    }

    @Test("Jacobi eigendecomposition reconstructs the matrix; the square root squares back")
    func matrixSquareRoot() {
        let n = 24
        let covariance = FeatureStatistics(features: Self.features(count: 200, dimension: n, seed: 4), dimension: n).covariance
        let (values, vectors) = covariance.eigendecomposition()
        #expect(values == values.sorted())
        #expect(values.allSatisfy { $0 > 0 })
        // V diag(λ) Vᵀ = A and VᵀV = I.
        for i in 0..<n {
            for j in 0..<n {
                var a = 0.0, identity = 0.0
                for k in 0..<n {
                    a += vectors[i * n + k] * values[k] * vectors[j * n + k]
                    identity += vectors[k * n + i] * vectors[k * n + j]
                }
                #expect(Swift.abs(a - covariance[i, j]) < 1e-10)
                #expect(Swift.abs(identity - (i == j ? 1 : 0)) < 1e-10)
            }
        }
        let root = covariance.squareRoot()
        let identity = SymmetricMatrix(order: n, entries: (0..<(n * n)).map { $0 % (n + 1) == 0 ? 1 : 0 })
        let squared = root.sandwiching(identity)  // R·I·R
        for (x, y) in zip(squared.entries, covariance.entries) { #expect(Swift.abs(x - y) < 1e-10) }
        #expect(Swift.abs(covariance.trace - values.reduce(0, +)) < 1e-10)
        let diagonal = SymmetricMatrix(order: 3, entries: [4, 0, 0, 0, 9, 0, 0, 0, 0.25]).squareRoot()
        #expect(diagonal.entries.map { ($0 * 1e12).rounded() / 1e12 } == [2, 0, 0, 0, 3, 0, 0, 0, 0.5])
    }
}

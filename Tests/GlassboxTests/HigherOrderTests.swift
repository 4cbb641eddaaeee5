import Testing
import Glassbox

@Suite("Higher-order gradients")
struct HigherOrderTests {
    @Test("d²/dx² tanh matches finite differences")
    func secondDerivativeOfTanh() {
        let values: [Double] = [-1.5, -0.3, 0.0, 0.7, 2.1]
        let x = Tensor<Double>(values, requiresGrad: true)
        let y = x.tanh().sum()
        let first = Tensor<Double>.gradients(of: y, withRespectTo: [x], createGraph: true)[0]
        let second = Tensor<Double>.gradients(of: first.sum(), withRespectTo: [x])[0]
        let eps = 1e-5
        for (i, v) in values.enumerated() {
            // d/dx (1 - tanh²) by central differences of the analytic first derivative.
            let d1: (Double) -> Double = { 1 - Foundation_tanh($0) * Foundation_tanh($0) }
            let numeric = (d1(v + eps) - d1(v - eps)) / (2 * eps)
            let exact = -2 * Foundation_tanh(v) * (1 - Foundation_tanh(v) * Foundation_tanh(v))
            #expect(abs(second.scalars[i] - exact) <= 1e-12 + 1e-9 * abs(exact))
            #expect(abs(second.scalars[i] - numeric) <= 1e-8)
        }
    }

    /// A small MLP f(x) = w2 · tanh(W1 x + b1), scalar output.
    static func mlp(_ x: Tensor<Double>, _ p: [Tensor<Double>]) -> Tensor<Double> {
        (x.matmul(p[0]) + p[1]).tanh().matmul(p[2]).sum()
    }

    static func parameters(_ g: inout RandomGenerator) -> [Tensor<Double>] {
        [
            Tensor<Double>.randn([3, 4], generator: &g, requiresGrad: true),
            Tensor<Double>.randn([4], generator: &g, requiresGrad: true),
            Tensor<Double>.randn([4, 1], generator: &g, requiresGrad: true),
        ]
    }

    @Test("Hessian-vector product of a small MLP matches finite differences of the gradient")
    func hessianVectorProduct() {
        var g = RandomGenerator(seed: 3)
        let p = Self.parameters(&g)
        let x = Tensor<Double>.randn([2, 3], generator: &g)
        let v = p.map { Tensor<Double>.randn($0.shape, generator: &g) }
        // Hv = ∇_p ⟨∇_p f, v⟩
        let grads = Tensor<Double>.gradients(of: Self.mlp(x, p), withRespectTo: p, createGraph: true)
        let dot = zip(grads, v).map { ($0 * $1).sum() }.reduce(Tensor<Double>(0)) { $0 + $1 }
        let hv = Tensor<Double>.gradients(of: dot, withRespectTo: p)
        // Finite differences: (∇f(p + εv) − ∇f(p − εv)) / 2ε
        let eps = 1e-5
        func gradAt(_ sign: Double) -> [[Double]] {
            let shifted = zip(p, v).map { Tensor<Double>(($0.detached() + $1 * (sign * eps)).scalars, shape: $0.shape, requiresGrad: true) }
            return Tensor<Double>.gradients(of: Self.mlp(x, shifted), withRespectTo: shifted).map(\.scalars)
        }
        let plus = gradAt(1), minus = gradAt(-1)
        for k in 0..<p.count {
            for i in 0..<p[k].count {
                let numeric = (plus[k][i] - minus[k][i]) / (2 * eps)
                #expect(abs(hv[k].scalars[i] - numeric) <= 1e-7 * max(1, abs(numeric)), "param \(k) element \(i)")
            }
        }
    }

    @Test("gradient of ‖∇ₓ f(x)‖² with respect to the parameters matches finite differences")
    func gradientPenalty() {
        var g = RandomGenerator(seed: 11)
        let p = Self.parameters(&g)
        let x = Tensor<Double>.randn([2, 3], generator: &g, requiresGrad: true)
        func penalty(_ params: [Tensor<Double>], createGraph: Bool) -> Tensor<Double> {
            let gx = Tensor<Double>.gradients(of: Self.mlp(x, params), withRespectTo: [x], createGraph: createGraph)[0]
            return gx.squared().sum()
        }
        let analytic = Tensor<Double>.gradients(of: penalty(p, createGraph: true), withRespectTo: p)
        let eps = 1e-6
        for k in 0..<p.count {
            for i in 0..<p[k].count {
                func at(_ d: Double) -> Double {
                    let shifted = p.enumerated().map { j, t -> Tensor<Double> in
                        var s = t.scalars
                        if j == k { s[i] += d }
                        return Tensor<Double>(s, shape: t.shape, requiresGrad: true)
                    }
                    return penalty(shifted, createGraph: false).item
                }
                let numeric = (at(eps) - at(-eps)) / (2 * eps)
                #expect(abs(analytic[k].scalars[i] - numeric) <= 1e-6 * max(1, abs(numeric)), "param \(k) element \(i)")
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
func Foundation_tanh(_ x: Double) -> Double { LibM.tanh(x) }
#endif

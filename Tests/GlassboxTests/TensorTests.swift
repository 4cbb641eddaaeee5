import Testing
import Glassbox

@Suite("Tensor basics")
struct TensorTests {
    @Test func creationAndShape() {
        let t = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(t.shape == [2, 3])
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])
        #expect(Tensor<Float>.zeros([2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor<Double>.full([3], value: 2.5).scalars == [2.5, 2.5, 2.5])
        #expect(Tensor<Float>.arange(0, 5).scalars == [0, 1, 2, 3, 4])
        #expect(Tensor<Float>.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor<Float>.eye(2).scalars == [1, 0, 0, 1])
        #expect(Tensor<Float>(3).shape == [])
    }

    @Test func randomIsSeededAndCounterBased() {
        var a = RandomGenerator(seed: 9)
        var b = RandomGenerator(seed: 9)
        let x = Tensor<Double>.randn([1000], generator: &a)
        let y = Tensor<Double>.randn([1000], generator: &b)
        #expect(x.scalars == y.scalars)
        let mean = x.mean().item, variance = x.variance(dim: 0).item
        #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.1)
        // Draw i depends only on (seed, i).
        var c = RandomGenerator(seed: 9, counter: 10)
        var d = RandomGenerator(seed: 9)
        for _ in 0..<10 { _ = d.next() }
        #expect(c.next() == d.next())
        let u = Tensor<Float>.uniform([500], low: -2, high: 3, generator: &a)
        #expect(u.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
        let bern = Tensor<Float>.bernoulli([1000], p: 0.3, generator: &a)
        #expect(bern.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(abs(bern.mean().item - 0.3) < 0.06)
    }

    @Test func reshapeSharesStorage() {
        let t = Tensor<Float>([1, 2, 3, 4, 5, 6])
        let r = t.reshaped([2, -1])
        #expect(r.shape == [2, 3])
        t.withUnsafeMutableBufferPointer { $0[0] = 42 }
        #expect(r.scalars[0] == 42)
        #expect(r.flattened().shape == [6])
        #expect(r.unsqueezed(0).shape == [1, 2, 3])
        #expect(r.unsqueezed(-1).shape == [2, 3, 1])
        #expect(r.unsqueezed(0).squeezed().shape == [2, 3])
    }

    @Test func permuteAndTranspose() {
        let t = Tensor<Float>((0..<24).map(Float.init), shape: [2, 3, 4])
        let p = t.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            #expect(p[element: [k, i, j]] == t[element: [i, j, k]])
        } } }
        let m = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(m.transposed().scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func concatStackSplitSlice() {
        let a = Tensor<Float>([[1, 2], [3, 4]])
        let b = Tensor<Float>([[5], [6]])
        #expect(Tensor.concat([a, b], dim: 1).scalars == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.concat([a, a], dim: 0).shape == [4, 2])
        let s = Tensor.stack([a, a], dim: 1)
        #expect(s.shape == [2, 2, 2])
        #expect(s.scalars == [1, 2, 1, 2, 3, 4, 3, 4])
        let parts = Tensor<Float>.arange(0, 5).split(sizes: [2, 3])
        #expect(parts[0].scalars == [0, 1] && parts[1].scalars == [2, 3, 4])
        #expect(Tensor<Float>.arange(0, 5).chunked(2).map(\.count) == [3, 2])
        #expect(a[1].scalars == [3, 4])
        #expect(a.sliced(dim: 1, 1..<2).scalars == [2, 4])
    }

    @Test func gatherScatterIndexSelect() {
        let x = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        let g = x.gathered(dim: 1, index: IndexTensor([2, 0, 1, 1], shape: [2, 2]))
        #expect(g.scalars == [3, 1, 5, 5])
        let s = Tensor<Float>.zeros([2, 3]).scatterAdding(
            dim: 1, index: IndexTensor([2, 2, 0, 1], shape: [2, 2]), source: Tensor([[1, 1], [7, 8]]))
        #expect(s.scalars == [0, 0, 2, 7, 8, 0])
        #expect(x.indexSelected(dim: 0, [1, 1, 0]).scalars == [4, 5, 6, 4, 5, 6, 1, 2, 3])
        #expect(x.indexSelected(dim: 1, [2]).scalars == [3, 6])
    }

    @Test func broadcastingArithmetic() {
        let a = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        let b = Tensor<Float>([10, 20, 30])
        #expect((a + b).scalars == [11, 22, 33, 14, 25, 36])
        #expect((a * 2).scalars == [2, 4, 6, 8, 10, 12])
        #expect((1 - a).scalars == [0, -1, -2, -3, -4, -5])
        let col = Tensor<Float>([[1], [2]])
        #expect((col / b).shape == [2, 3])
        #expect((col - b).scalars == [-9, -19, -29, -8, -18, -28])
        #expect(a.maximum(Tensor(3.5)).scalars == [3.5, 3.5, 3.5, 4, 5, 6])
        #expect(a.isGreater(than: 2).scalars == [0, 0, 1, 1, 1, 1])
        #expect(Tensor.where(a.isGreater(than: 2), a, Tensor(0)).scalars == [0, 0, 3, 4, 5, 6])
    }

    @Test func reductions() {
        let x = Tensor<Double>([[1, 5, 3], [4, 2, 6]])
        #expect(x.sum().item == 21)
        #expect(x.sum(dim: 0).scalars == [5, 7, 9])
        #expect(x.sum(dim: 1, keepDim: true).shape == [2, 1])
        #expect(x.mean(dim: -1).scalars == [3, 4])
        #expect(x.max(dim: 1).values.scalars == [5, 6])
        #expect(x.max(dim: 1).indices.indices == [1, 2])
        #expect(x.argmax(dim: 0).indices == [1, 0, 1])
        #expect(x.min().item == 1)
        #expect(x.max().item == 6)
        let big = Tensor<Double>([1000, 1000])
        let expected: Double = 1000 + 0.6931471805599453
        #expect(abs(big.logSumExp(dim: 0).item - expected) < 1e-9)
        let sm = x.softmax(dim: 1)
        for r in 0..<2 { #expect(abs(sm[r].sum().item - 1) < 1e-12) }
        let lsm = x.logSoftmax(dim: 1)
        #expect(zip(lsm.exp().scalars, sm.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func matmulMatchesNaive() {
        var g = RandomGenerator(seed: 1)
        let a = Tensor<Double>.randn([2, 3, 7, 5], generator: &g)
        let b = Tensor<Double>.randn([3, 5, 4], generator: &g)
        let c = a.matmul(b)
        #expect(c.shape == [2, 3, 7, 4])
        for n in 0..<2 { for h in 0..<3 { for i in 0..<7 { for j in 0..<4 {
            var s = 0.0
            for k in 0..<5 { s += a[element: [n, h, i, k]] * b[element: [h, k, j]] }
            #expect(abs(c[element: [n, h, i, j]] - s) < 1e-12)
        } } } }
        let v = Tensor<Double>([1, 2, 3, 4, 5])
        #expect(v.matmul(v).shape == [])
        #expect(v.matmul(v).item == 55)
    }

    @Test func descriptionLooksLikePyTorch() {
        let t = Tensor<Float>([[1, 2], [3, -4.5]])
        #expect(t.description == "tensor([[1.0000, 2.0000],\n        [3.0000, -4.5000]])")
        let p = Tensor<Float>([1], requiresGrad: true)
        #expect(p.description == "tensor([1.0000], requires_grad=True)")
        #expect((p * 2).description.contains("grad_fn=<multiply>"))
    }

    @Test("shape mismatch stops with a message naming the op and both shapes")
    func shapeMismatchStops() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Float>.zeros([2, 3]) + Tensor<Float>.zeros([4])
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Float>.zeros([2, 3]).matmul(Tensor<Float>.zeros([2, 3]))
        }
    }
}

@Suite("Autograd")
struct AutogradTests {
    @Test func gradientsAccumulate() {
        let x = Tensor<Double>([1, 2, 3], requiresGrad: true)
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, 4, 6])
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [5, 7, 9])
    }

    @Test func withoutGradRecordsNothing() {
        let x = Tensor<Float>([1, 2], requiresGrad: true)
        let y = withoutGrad { x * 2 }
        #expect(!y.requiresGrad && y.isLeaf)
        #expect(!isGradEnabled || (x * 2).requiresGrad)
        let d = (x * 2).detached()
        #expect(!d.requiresGrad)
    }

    @Test func sharedSubexpressionsAndBroadcastGradients() {
        let w = Tensor<Double>([[1, 2], [3, 4]], requiresGrad: true)
        let b = Tensor<Double>([0.5, -1], requiresGrad: true)
        let h = w + b          // b broadcast over rows
        let y = (h * h + h).sum()
        y.backward()
        // dy/dh = 2h + 1; dy/db sums over rows.
        let h0: [Double] = [1.5, 1, 3.5, 3]
        let dh: [Double] = h0.map { 2 * $0 + 1 }
        #expect(w.grad?.scalars == dh)
        let db: [Double] = [dh[0] + dh[2], dh[1] + dh[3]]
        #expect(b.grad?.scalars == db)
    }

    @Test func gradientsOfUnrelatedInputIsZero() {
        let x = Tensor<Double>([1, 2], requiresGrad: true)
        let z = Tensor<Double>([3], requiresGrad: true)
        let g = Tensor<Double>.gradients(of: (x * x).sum(), withRespectTo: [x, z])
        #expect(g[0].scalars == [2, 4])
        #expect(g[1].scalars == [0])
    }

    @Test func longChainsDoNotOverflowTheStack() {
        let x = Tensor<Double>([0.5], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y * 1.0 }
        y.sum().backward()
        #expect(x.grad?.scalars == [1])
    }
}

import Glassbox
import Testing

@Suite("Embedding")
struct EmbeddingTests {
    @Test("looks rows up in the ids' shape; the padding row is read but gets no gradient")
    func lookupAndPadding() {
        let weight = Tensor<Double>([[1, 2], [3, 4], [5, 6]], requiresGrad: true)
        let layer = Embedding(weight: weight, paddingIdx: 1)
        let out = layer(IndexTensor([2, 1, 2, 0], shape: [2, 2]))
        #expect(out.shape == [2, 2, 2])
        #expect(out.scalars == [5, 6, 3, 4, 5, 6, 1, 2])
        let gradOutput = Tensor<Double>([1, 10, 7, 7, 100, 1000, 1, 1]).reshaped([2, 2, 2])
        (out * gradOutput).sum().backward()
        // Row 2 is read at positions 0 (1, 10) and 2 (100, 1000), row 0 at position 3; row 1 is
        // padding.
        #expect(weight.grad?.scalars == [1, 1, 0, 0, 101, 1010])
    }

    @Test("a new table is N(0, 1) with the padding row zeroed; negative padding counts from the end")
    func initialisation() {
        var generator = RandomGenerator(seed: 4)
        let layer = Embedding<Float>(numEmbeddings: 200, embeddingDim: 50, paddingIdx: -1, generator: &generator)
        #expect(layer.paddingIdx == 199)
        let values = layer.weight.scalars
        #expect(values[(199 * 50)...].allSatisfy { $0 == 0 })
        let body = values[..<(199 * 50)].map(Double.init)
        let mean = body.reduce(0, +) / Double(body.count)
        let variance = body.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(body.count)
        #expect(abs(mean) < 0.05 && abs(variance - 1) < 0.05)
        #expect(layer.namedParameters().map(\.name) == ["weight"])
    }
}

import Glassbox
import GlassboxIO

extension ONNXExport {
    /// Exports the GPT (evaluation mode, no cache) as a graph `input` (int64 ids `[N, T]`,
    /// `T ≤ blockSize`) → `output` (logits `[N, T, vocabSize]`).
    ///
    /// Positions are `Range(0, T)` gathered from `wpe`; each block is `LayerNormalization`,
    /// the packed projection (`MatMul` + `Add`) split into heads, `softmax(q·kᵀ/√d + mask)·v` with
    /// the additive causal mask (a `[blockSize, blockSize]` initializer sliced to `[T, T]`), the
    /// output projection and the residual; the MLP uses exact GELU (`Erf`).
    public static func model(_ gpt: GPT<Float>, name: String = "gpt") throws -> ONNXModel {
        var b = ONNXGraphBuilder(name: name)
        let config = gpt.config
        let c = config.nEmbd, heads = config.nHead, headSize = c / heads
        let shape = b.node("Shape", ["input"])
        let length = b.node("Gather", [shape, b.constant([1], prefix: "axis1")], [.int("axis", 0)])  // [1]
        let lengthScalar = b.node("Squeeze", [length, b.constant([0], prefix: "axes")])
        let positions = b.node("Range", [b.constant([0], shape: [], prefix: "zero"), lengthScalar, b.constant([1], shape: [], prefix: "one")])
        let tokens = b.node("Gather", [b.initializer("transformer.wte.weight", gpt.tokenEmbedding.weight), "input"])
        let places = b.node("Gather", [b.initializer("transformer.wpe.weight", gpt.positionEmbedding.weight), positions])
        var x = b.node("Add", [tokens, places])

        // The additive causal mask, sliced to [T, T].
        let n = config.blockSize
        let maskValues = (0..<n * n).map { $0 % n <= $0 / n ? 0.0 : -1e30 }
        let fullMask = b.initializer(b.fresh("causal_mask"), values: maskValues, shape: [n, n])
        let ends = b.node("Concat", [length, length], [.int("axis", 0)])
        let mask = b.node("Slice", [fullMask, b.constant([0, 0], prefix: "starts"), ends, b.constant([0, 1], prefix: "axes")])
        let headShape = b.constant([0, 0, Int64(heads), Int64(headSize)], prefix: "shape")
        let mergedShape = b.constant([0, 0, Int64(c)], prefix: "shape")
        let scale = b.scalar(1 / Double(headSize).squareRoot())

        func linear(_ l: Linear<Float>, _ input: String, _ prefix: String) -> String {
            ONNXExport.linear(l, input, rank: 3, prefix: prefix, &b)
        }
        for (index, block) in gpt.blocks.enumerated() {
            let p = "transformer.h.\(index)."
            let normed = layerNorm(block.attentionNorm, x, prefix: p + "ln_1.", &b)
            let qkv = linear(block.attention.queryKeyValueProjection, normed, p + "attn.c_attn.")
            var split = ONNXNode()
            split.opType = "Split"
            split.name = "Split_\(b.graph.nodes.count)"
            split.inputs = [qkv, b.constant([Int64(c), Int64(c), Int64(c)], prefix: "split")]
            split.outputs = [b.fresh("q"), b.fresh("k"), b.fresh("v")]
            split.attributes = [.int("axis", 2)]
            b.append(split)
            func heads(_ t: String, _ perm: [Int]) -> String {
                b.node("Transpose", [b.node("Reshape", [t, headShape])], [.ints("perm", perm)])
            }
            let q = heads(split.outputs[0], [0, 2, 1, 3])
            let kT = heads(split.outputs[1], [0, 2, 3, 1])
            let v = heads(split.outputs[2], [0, 2, 1, 3])
            let scores = b.node("Add", [b.node("Mul", [b.node("MatMul", [q, kT]), scale]), mask])
            let attended = b.node("MatMul", [b.node("Softmax", [scores], [.int("axis", -1)]), v])
            let merged = b.node("Reshape", [b.node("Transpose", [attended], [.ints("perm", [0, 2, 1, 3])]), mergedShape])
            x = b.node("Add", [x, linear(block.attention.outputProjection, merged, p + "attn.c_proj.")])
            let normed2 = layerNorm(block.feedForwardNorm, x, prefix: p + "ln_2.", &b)
            let hidden = gelu(linear(block.feedForward.expansion, normed2, p + "mlp.c_fc."), approximate: .none, &b)
            x = b.node("Add", [x, linear(block.feedForward.projection, hidden, p + "mlp.c_proj.")])
        }
        let logits = linear(gpt.outputHead, layerNorm(gpt.finalNorm, x, prefix: "transformer.ln_f.", &b), "lm_head.")
        _ = b.node("Identity", [logits], output: "output")
        return b.model(
            inputs: [ONNXGraphBuilder.int64Value("input", dims: [nil, nil])],
            outputs: [ONNXGraphBuilder.floatValue("output", dims: [nil, nil, config.vocabSize])])
    }
}

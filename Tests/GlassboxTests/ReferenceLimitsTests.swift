import Glassbox
import GlassboxIO
import Testing

/// Reference case files asking for layers too large to allocate: found by the `case_json` fuzz
/// harness (Tests/Fuzz), where `Linear` with 100000 × 100000 features exhausted memory.
@Suite("reference case limits")
struct ReferenceLimitsTests {
    func buildError(_ json: String, limit: Int = ReferenceArguments.defaultMaxParameterElements) -> ReferenceError? {
        do {
            let referenceCase = try ReferenceCase(json: JSONValue(parsing: Array(json.utf8)))
            _ = try ReferenceRegistry.build(
                module: referenceCase.module, args: referenceCase.args, train: referenceCase.train, as: Double.self,
                maxParameterElements: limit)
            return nil
        } catch {
            return error as? ReferenceError
        }
    }

    @Test("a layer larger than the cap is an error before allocation, naming the parameter")
    func tooLarge() {
        let limit = ReferenceArguments.defaultMaxParameterElements
        let linear = buildError(#"{"module": "Linear", "args": {"in_features": 100000, "out_features": 100000}}"#)
        #expect(linear == .parameterTooLarge(module: "Linear", name: "weight", shape: [100000, 100000], limit: limit))
        #expect(linear?.description
            == "Linear: parameter 'weight' of shape [100000, 100000] takes the module past the limit of 268435456 parameter elements")
        // The element count overflows Int.
        #expect(buildError(#"{"module": "Linear", "args": {"in_features": 4000000000000, "out_features": 4000000000000}}"#)
            == .parameterTooLarge(module: "Linear", name: "weight", shape: [4_000_000_000_000, 4_000_000_000_000], limit: limit))
        #expect(buildError(#"{"module": "Conv2d", "args": {"in_channels": 3000, "out_channels": 3000, "kernel_size": 300}}"#)
            == .parameterTooLarge(module: "Conv2d", name: "weight", shape: [3000, 3000, 300, 300], limit: limit))
        #expect(buildError(#"{"module": "ConvTranspose2d", "args": {"in_channels": 3000, "out_channels": 3000, "kernel_size": 300}}"#)
            == .parameterTooLarge(module: "ConvTranspose2d", name: "weight", shape: [3000, 3000, 300, 300], limit: limit))
        #expect(buildError(#"{"module": "BatchNorm2d", "args": {"num_features": 4611686018427387904}}"#)
            == .parameterTooLarge(module: "BatchNorm2d", name: "weight", shape: [1 << 62], limit: limit))
        #expect(buildError(#"{"module": "GroupNorm", "args": {"num_groups": 1, "num_channels": 1099511627776}}"#)
            == .parameterTooLarge(module: "GroupNorm", name: "weight", shape: [1 << 40], limit: limit))
    }

    @Test("sequence layers are capped too: embedding, layer norm, attention, transformer and recurrent layers")
    func sequenceLayers() {
        let limit = ReferenceArguments.defaultMaxParameterElements
        #expect(buildError(#"{"module": "Embedding", "args": {"num_embeddings": 1000000, "embedding_dim": 100000}}"#)
            == .parameterTooLarge(module: "Embedding", name: "weight", shape: [1_000_000, 100_000], limit: limit))
        #expect(buildError(#"{"module": "LayerNorm", "args": {"normalized_shape": [100000, 100000]}}"#)
            == .parameterTooLarge(module: "LayerNorm", name: "weight", shape: [100_000, 100_000], limit: limit))
        #expect(buildError(#"{"module": "MultiheadAttention", "args": {"embed_dim": 100000, "num_heads": 1}}"#)
            == .parameterTooLarge(module: "MultiheadAttention", name: "in_proj_weight", shape: [100_000, 300_000], limit: limit))
        #expect(buildError(#"{"module": "TransformerEncoderLayer", "args": {"d_model": 8, "nhead": 2, "dim_feedforward": 100000000}}"#)
            == .parameterTooLarge(module: "TransformerEncoderLayer", name: "linear1.weight", shape: [100_000_000, 8], limit: limit))
        #expect(buildError(#"{"module": "LSTM", "args": {"input_size": 10, "hidden_size": 100000}}"#)
            == .parameterTooLarge(module: "LSTM", name: "weight_hh", shape: [400_000, 100_000], limit: limit))
        #expect(buildError(#"{"module": "GRUCell", "args": {"input_size": 100000000, "hidden_size": 10}}"#)
            == .parameterTooLarge(module: "GRUCell", name: "weight_ih", shape: [30, 100_000_000], limit: limit))
        #expect(buildError(#"{"module": "MultiheadAttention", "args": {"embed_dim": 8, "num_heads": 2, "kdim": 0}}"#)
            == .invalidArgument(module: "MultiheadAttention", name: "kdim", expected: "> 0 or null"))
    }

    @Test("the cap counts every parameter and buffer of the module together")
    func total() {
        let linear = #"{"module": "Linear", "args": {"in_features": 10, "out_features": 10}}"#
        #expect(buildError(linear, limit: 110) == nil)
        #expect(buildError(linear, limit: 109) == .parameterTooLarge(module: "Linear", name: "bias", shape: [10], limit: 109))
        let batchNorm = #"{"module": "BatchNorm1d", "args": {"num_features": 5}}"#
        #expect(buildError(batchNorm, limit: 20) == nil)
        #expect(buildError(batchNorm, limit: 19)
            == .parameterTooLarge(module: "BatchNorm1d", name: "running_var", shape: [5], limit: 19))
        #expect(buildError(#"{"module": "BatchNorm1d", "args": {"num_features": 5, "affine": false}}"#, limit: 10) == nil)
    }
}

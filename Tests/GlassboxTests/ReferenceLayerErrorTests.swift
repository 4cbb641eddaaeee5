import Foundation
import Glassbox
import GlassboxIO
import Testing

/// `Tests/Fixtures/reference`, next to this file's folder.
private let fixtureFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/reference").path

@Suite("reference errors of the two-input, transformer-stack, EmbeddingBag and projected-LSTM cases")
struct ReferenceLayerErrorTests {
    /// Runs a fixture with its case args and inputs edited; returns the error thrown, if any.
    private func run(
        _ name: String, args edit: (inout JSONObject) -> Void = { _ in }, inputs editInputs: (inout SafeTensors) -> Void = { _ in }
    ) throws -> ReferenceError? {
        let directory = "\(fixtureFolder)/\(name)"
        var object = try JSONValue(parsing: FileIO.readBytes(atPath: directory + "/case.json")).objectValue!
        var args = object["args"]?.objectValue ?? JSONObject()
        edit(&args)
        object["args"] = .object(args)
        var inputs = try SafeTensors(contentsOf: directory + "/inputs.safetensors")
        editInputs(&inputs)
        do {
            _ = try ReferenceRunner.run(
                try ReferenceCase(json: .object(object)), weights: try SafeTensors(contentsOf: directory + "/weights.safetensors"),
                inputs: inputs)
            return nil
        } catch let error as ReferenceError {
            return error
        }
    }

    @Test("a missing input is named by its PyTorch forward name")
    func missingInputs() throws {
        let drop = { (name: String) in { (inputs: inout SafeTensors) in inputs.tensors.removeAll { $0.name == name } } }
        #expect(try run("cosine_similarity_default_f64", inputs: drop("x2")) == .missingInput("x2"))
        #expect(try run("bilinear_3_4_2_f64", inputs: drop("input1")) == .missingInput("input1"))
        #expect(try run("transformer_decoder_2_norm_causal_f64", inputs: drop("memory")) == .missingInput("memory"))
        #expect(try run("transformer_2_1_causal_f64", inputs: drop("tgt")) == .missingInput("tgt"))
        #expect(try run("embedding_bag_mean_2d_f64", inputs: drop("input")) == .missingInput("input"))
    }

    @Test("arguments the module does not take, and bad values, are one-line errors")
    func argumentErrors() throws {
        #expect(try run("pairwise_distance_default_f64") { $0["dims"] = .integer(1) } == .unknownArgument(module: "PairwiseDistance", name: "dims"))
        #expect(try run("bilinear_3_4_2_f64") { $0["in_features"] = .integer(3) } == .unknownArgument(module: "Bilinear", name: "in_features"))
        let nested = try run("transformer_encoder_2_norm_f64") { args in
            var layer = args["encoder_layer"]!.objectValue!
            layer["heads"] = .integer(2)
            args["encoder_layer"] = .object(layer)
        }
        #expect(nested == .unknownArgument(module: "TransformerEncoderLayer", name: "heads"))
        let norm = try run("transformer_encoder_2_norm_f64") { $0["norm"] = .object(JSONObject([("normalized_shape", .integer(5))])) }
        guard case .invalidArgument(module: "TransformerEncoder", name: "norm", _)? = norm else { Issue.record("got \(String(describing: norm))"); return }
        let proj = try run("lstm_proj_f64") { $0["proj_size"] = .integer(4) }
        guard case .invalidArgument(module: "LSTM", name: "proj_size", _)? = proj else { Issue.record("got \(String(describing: proj))"); return }
        #expect(try run("embedding_bag_mean_2d_f64") { $0["mode"] = .string("median") } != nil)
    }

    @Test("EmbeddingBag input errors: per_sample_weights outside mode sum, bad offsets")
    func embeddingBagInputs() throws {
        let weights = try run("embedding_bag_sum_offsets_weights_f64") { $0["mode"] = .string("mean") }
        guard case .invalidInput(name: "per_sample_weights", _)? = weights else { Issue.record("got \(String(describing: weights))"); return }
        let offsets = try run("embedding_bag_sum_offsets_weights_f64", inputs: { inputs in
            inputs.tensors = inputs.tensors.map { $0.name == "offsets" ? ($0.name, ArrayData(int64s: [1, 3], shape: [2])) : $0 }
        })
        guard case .invalidInput(name: "offsets", _)? = offsets else { Issue.record("got \(String(describing: offsets))"); return }
    }
}

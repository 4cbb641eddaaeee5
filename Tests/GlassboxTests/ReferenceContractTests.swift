import Foundation
import Glassbox
import GlassboxIO
import Testing

/// `Tests/Fixtures/reference`, next to this file's folder.
private let referenceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/reference").path

/// The `contract_*` cases: PyTorch's gradients of `(output * grad_output).sum()` alone, with no
/// seed for the other outputs (Scripts/reference_cases_recurrent.py and _attention.py).
private let contractCases: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: referenceFixtures)) ?? []).filter { $0.hasPrefix("contract_") }.sorted()

@Suite("reference contract: outputs without a seed")
struct ReferenceContractTests {
    /// Runs a fixture directory with its inputs edited; returns the result and the expected file.
    private func run(_ name: String, editInputs: (inout SafeTensors) -> Void = { _ in }) throws -> (SafeTensors, SafeTensors) {
        let directory = "\(referenceFixtures)/\(name)"
        let json = try JSONValue(parsing: FileIO.readBytes(atPath: directory + "/case.json"))
        var inputs = try SafeTensors(contentsOf: directory + "/inputs.safetensors")
        editInputs(&inputs)
        let result = try ReferenceRunner.run(
            try ReferenceCase(json: json), weights: try SafeTensors(contentsOf: directory + "/weights.safetensors"), inputs: inputs)
        return (result, try SafeTensors(contentsOf: directory + "/expected.safetensors"))
    }

    @Test("the contract cases cover RNN, LSTM with and without h0/c0, GRU, both layouts, and attention weights")
    func coverage() throws {
        var covered = Set<String>()
        for name in contractCases where name.hasSuffix("_f64") {
            let directory = "\(referenceFixtures)/\(name)"
            let referenceCase = try ReferenceCase(json: JSONValue(parsing: FileIO.readBytes(atPath: directory + "/case.json")))
            let inputs = try SafeTensors(contentsOf: directory + "/inputs.safetensors").tensorsByName
            #expect(inputs["grad_output"] != nil, "\(name)")
            #expect(inputs.keys.filter { $0.hasPrefix("grad_") } == ["grad_output"], "\(name): only grad_output is seeded")
            let batchFirst = referenceCase.args["batch_first"]?.boolValue ?? false
            let states = inputs["h0"] != nil
            covered.insert("\(referenceCase.module) batch_first=\(batchFirst) states=\(states)")
        }
        for layout in [false, true] {
            #expect(covered.contains("RNN batch_first=\(layout) states=false"))
            #expect(covered.contains("LSTM batch_first=\(layout) states=false"))
            #expect(covered.contains("LSTM batch_first=\(layout) states=true"))
            #expect(covered.contains("GRU batch_first=\(layout) states=true"))
        }
        #expect(covered.contains("MultiheadAttention batch_first=false states=false"))
    }

    @Test("only grad_output seeds the gradient: h_n, c_n, attn_weights without a seed are not differentiated",
          arguments: contractCases)
    func unseededOutputs(name: String) throws {
        let tolerance = name.hasSuffix("_f64") ? 1e-9 : 1e-5
        let (result, expected) = try run(name)
        let comparison = TensorComparison(result, expected, rtol: tolerance, atol: tolerance)
        #expect(comparison.passed, "\(name):\n\(comparison.report)")

        // Seeding the other outputs changes the gradients, so the rule above is what the fixture
        // pins (the seed varies by position: attention weights sum to one along a row, so a
        // constant seed would not change their gradient).
        let (seededResult, _) = try run(name) { inputs in
            for (output, array) in expected.tensors where !output.hasPrefix("grad.") && output != "output" {
                let seed = (0..<array.shape.reduce(1, *)).map { Double($0 % 5) - 1.5 }
                inputs.tensors.append(("grad_" + output, ArrayData(doubles: seed, shape: array.shape, dtype: array.dtype)))
            }
        }
        let seeded = TensorComparison(seededResult, expected, rtol: tolerance, atol: tolerance)
        #expect(!seeded.passed, "\(name): seeding h_n/c_n/attn_weights should change the gradients")
    }
}

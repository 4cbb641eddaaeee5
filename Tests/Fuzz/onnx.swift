// ONNX protobuf harness: any byte string either fails with an error or decodes to a model (and
// the same bytes as a TensorProto, SequenceProto and OptionalProto) whose encoding decodes to a
// model with the same encoding (encode ∘ decode is idempotent after one pass).
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    if let model = try? ONNXModel(serialized: bytes) {
        let once = model.serialized()
        guard let again = try? ONNXModel(serialized: once) else { violated("re-encoded model does not decode") }
        guard again.serialized() == once else { violated("model encoding not idempotent") }
    }
    if let tensor = try? ONNXTensorProto(serialized: bytes) {
        let once = tensor.serialized()
        guard let again = try? ONNXTensorProto(serialized: once), again.serialized() == once else { violated("tensor round trip") }
    }
    if let sequence = try? ONNXValueProto(serializedSequence: bytes) {
        let once = sequence.serialized()
        guard let again = try? ONNXValueProto(serializedSequence: once), again.serialized() == once else { violated("sequence round trip") }
    }
    _ = try? ONNXValueProto(serializedOptional: bytes)
}

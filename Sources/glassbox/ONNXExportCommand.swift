import Glassbox
import GlassboxIO
import GlassboxONNX

/// `glassbox onnx export --checkpoint DIR --out MODEL.onnx`: an image classifier's checkpoint
/// (written by `glassbox train cnn|lenet|vgg --out DIR`) as an ONNX model (evaluation mode,
/// input `[N, 1, 28, 28]` normalised pixels, output logits `[N, 10]`).
func onnxExport(checkpoint: String?, out: String?) throws -> Int32 {
    guard let checkpoint, let out else { throw CLIError.usage("onnx export: needs --checkpoint DIR and --out MODEL.onnx") }
    let classifier = try CheckpointedClassifier(directory: checkpoint, command: "onnx export")
    let model = try ONNXExport.model(classifier.model, inputShape: [nil, 1, 28, 28], name: classifier.name)
    try failing("onnx export") { try ONNXExport.write(model, to: out) }
    let parameters = classifier.model.parameters.reduce(0) { $0 + $1.count }
    Console.out(
        "wrote \(out): \(classifier.name), \(model.graph.nodes.count) nodes, \(parameters) parameters, opset \(ONNXExport.opset); "
            + "input 'input' [N, 1, 28, 28] (pixels normalised with mean \(classifier.normalization.mean[0]), std \(classifier.normalization.std[0])), output 'output' [N, 10]")
    return 0
}

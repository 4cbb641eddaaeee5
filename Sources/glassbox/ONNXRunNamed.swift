import Glassbox
import GlassboxIO
import GlassboxONNX

/// `glassbox onnx run MODEL --inputs X.safetensors --out Y.safetensors [--grad] [--dtype f64]`:
/// inputs and outputs by graph value name; with `grad`, `grad.<name>` of
/// `sum(output_0 * grad_output)` for every float graph input and initializer.
func onnxRunNamed(model path: String, inputs: String, out: String, grad: Bool, double: Bool) throws -> Int32 {
    var session = try ONNXSession(path: path)
    if double { session = try ONNXSession(model: try session.model.promotedToDouble(), directory: session.directory) }
    let file = try SafeTensors(contentsOf: inputs)
    let values = try session.namedInputs(file.tensors, source: inputs, ignoring: ["grad_output"])
    let graph = session.model.graph
    var written: [(name: String, array: ArrayData)] = []
    let outputs: [ONNXValue]
    if grad {
        let result = try session.runWithGradients(values, gradOutput: file["grad_output"].map { ONNXTensor($0) })
        outputs = result.outputs
        written = try result.gradients.map { ("grad." + $0.name, try $0.gradient.arrayData(name: "grad." + $0.name)) }
    } else {
        outputs = try session.run(values)
    }
    var named: [(name: String, array: ArrayData)] = []
    for (info, value) in zip(graph.outputs, outputs) {
        named.append((info.name, try value.tensor("graph output '\(info.name)'").arrayData(name: info.name)))
    }
    try SafeTensors(tensors: named + written).write(to: out)
    Console.out("wrote \(named.count) outputs\(grad ? " and \(written.count) gradients" : "") to \(out)")
    return 0
}

import GlassboxIO
import GlassboxONNX
import Testing

@Suite struct RuntimeTests {
    /// A two-node graph built in memory: `y = Relu(x + b)`.
    static func model(op: String = "Relu") -> ONNXModel {
        var model = ONNXModel()
        model.irVersion = 10
        model.opsetImports = [ONNXOperatorSetID(domain: "", version: 21)]
        var add = ONNXNode()
        add.opType = "Add"
        add.inputs = ["x", "b"]
        add.outputs = ["s"]
        var relu = ONNXNode()
        relu.opType = op
        relu.name = "act"
        relu.inputs = ["s"]
        relu.outputs = ["y"]
        model.graph.nodes = [add, relu]
        model.graph.initializers = [ONNXTensor(dtype: .float, shape: [2], reals: [1, -1]).proto(name: "b")]
        model.graph.inputs = [ONNXValueInfo(name: "x", type: .tensor(elementType: 1, shape: [.value(2), .value(2)]))]
        model.graph.outputs = [ONNXValueInfo(name: "y", type: .tensor(elementType: 1, shape: nil))]
        return model
    }

    @Test func runsAGraphWithAnInitializerAndBroadcasting() throws {
        let session = try ONNXSession(model: ONNXModel(serialized: Self.model().serialized()))
        let x = ONNXTensor(dtype: .float, shape: [2, 2], reals: [0, 0, -3, 3])
        let y = try session.run(["x": .tensor(x)])
        #expect(y == [.tensor(ONNXTensor(dtype: .float, shape: [2, 2], reals: [1, 0, 0, 2]))])
    }

    @Test func anUnknownOpNamesTheNodeAndTheOp() throws {
        let session = try ONNXSession(model: Self.model(op: "NoSuchOp"))
        let x = ONNXTensor(dtype: .float, shape: [2, 2], reals: [0, 0, 0, 0])
        #expect(throws: ONNXError("node 'act' (NoSuchOp): unsupported operator NoSuchOp (opset 21)")) { try session.run(["x": .tensor(x)]) }
    }

    @Test func tensorProtosRoundTripForEveryStoredType() throws {
        let cases: [ONNXTensor] = [
            ONNXTensor(dtype: .float16, shape: [3], reals: [0.5, -2, 65504]),
            ONNXTensor(dtype: .bfloat16, shape: [2], reals: [1.5, -3]),
            ONNXTensor(dtype: .float8e4m3fn, shape: [2], reals: [448, -0.5]),
            ONNXTensor(dtype: .int4, shape: [3], ints: [-8, 7, 1]),
            ONNXTensor(dtype: .uint8, shape: [2], ints: [255, 3]),
            ONNXTensor(dtype: .bool, shape: [2], ints: [1, 0]),
            ONNXTensor(dtype: .double, shape: [], reals: [.pi]),
            ONNXTensor(shape: [2], strings: ["a", "βγ"]),
        ]
        for t in cases {
            let decoded = try ONNXTensor(proto: ONNXTensorProto(serialized: t.proto(name: "t").serialized()))
            #expect(decoded == t)
        }
    }
}

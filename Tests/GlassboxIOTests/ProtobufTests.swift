import GlassboxIO
import Testing

@Suite struct ProtobufTests {
    @Test func varintsZigzagAndFixedRoundTrip() throws {
        var w = ProtobufWriter()
        w.int(1, 300)
        w.int(2, -5)
        w.sint(3, -3)
        w.fixed32(4, 0xDEAD_BEEF)
        w.double(5, 2.5)
        w.string(6, "héllo")
        var r = ProtobufReader(w.bytes, message: "Test")
        #expect(try r.nextField()! == (1, .varint))
        #expect(try r.int64() == 300)
        _ = try r.nextField()
        #expect(try r.int64() == -5)
        _ = try r.nextField()
        #expect(try r.sint64() == -3)
        _ = try r.nextField()
        #expect(try r.fixed32() == 0xDEAD_BEEF)
        _ = try r.nextField()
        #expect(try r.double() == 2.5)
        _ = try r.nextField()
        #expect(try r.string() == "héllo")
        #expect(try r.nextField() == nil)
        #expect(ProtobufReader.zigzagDecode(4) == 2)
    }

    @Test func packedAndUnpackedRepeatedFieldsBothRead() throws {
        var w = ProtobufWriter()
        w.packedInts(1, [1, -2, 3])
        w.int(1, 4)
        var r = ProtobufReader(w.bytes, message: "Test")
        var values: [Int64] = []
        while let (_, type) = try r.nextField() { try r.repeatedVarint(type, into: &values) }
        #expect(values == [1, -2, 3, 4])
    }

    @Test func truncatedAndOverlongInputsThrowOneLineErrors() {
        var r = ProtobufReader([0x0A, 0x05, 0x61], message: "Test")
        #expect(throws: ProtobufError.self) {
            _ = try r.nextField()
            _ = try r.string()
        }
        var v = ProtobufReader([UInt8](repeating: 0xFF, count: 11), message: "Test")
        #expect(throws: ProtobufError.varintTooLong(message: "Test", offset: 0)) { _ = try v.varint() }
        #expect(throws: ProtobufError.self) { _ = try ONNXModel(serialized: [0x3A, 0x80, 0x80, 0x80, 0x80, 0x01]) }
    }

    @Test func unknownFieldsAreSkipped() throws {
        var w = ProtobufWriter()
        w.int(99, 7)
        w.string(98, "x")
        w.fixed64(97, 1)
        w.fixed32(96, 1)
        w.int(1, 9)
        let model = try ONNXModel(serialized: w.bytes)
        #expect(model.irVersion == 9)
    }

    @Test func modelRoundTripsThroughTheWriter() throws {
        var model = ONNXModel()
        model.irVersion = 10
        model.opsetImports = [ONNXOperatorSetID(domain: "", version: 21)]
        var node = ONNXNode()
        node.opType = "Add"
        node.inputs = ["a", "b"]
        node.outputs = ["c"]
        var attribute = ONNXAttribute()
        attribute.name = "axes"
        attribute.type = .ints
        attribute.ints = [0, -1]
        node.attributes = [attribute]
        model.graph.nodes = [node]
        var tensor = ONNXTensorProto()
        tensor.name = "b"
        tensor.dims = [2]
        tensor.dataType = ONNXDataType.float.rawValue
        tensor.floatData = [1, 2]
        model.graph.initializers = [tensor]
        model.graph.inputs = [ONNXValueInfo(name: "a", type: .tensor(elementType: 1, shape: [.param("n"), .value(2)]))]
        model.graph.outputs = [ONNXValueInfo(name: "c", type: .sequence(.tensor(elementType: 7, shape: nil)))]
        let decoded = try ONNXModel(serialized: model.serialized())
        #expect(decoded == model)
        let sequence = ONNXValueProto.sequence([.tensor(tensor), .optional(nil, elementKind: 1)], elementKind: 1)
        #expect(try ONNXValueProto(serializedSequence: sequence.serialized()) == sequence)
    }
}

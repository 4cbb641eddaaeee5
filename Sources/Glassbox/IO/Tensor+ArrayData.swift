import GlassboxIO
import GlassboxKernels

extension Tensor {
    /// Creates a tensor from file data (safetensors, npy, npz), converting any numeric dtype
    /// (half types, integers, booleans) to `Scalar`.
    public convenience init(_ array: ArrayData) {
        let values: [Scalar] =
            Scalar.self == Float.self
            ? array.asFloats().map { Scalar($0) } : array.asDoubles().map { Scalar($0) }
        self.init(values, shape: array.shape)
    }

    /// The tensor as file data: `F32` for `Float`, `F64` for `Double`.
    public var arrayData: ArrayData {
        if let floats = scalars as? [Float] { return ArrayData(floats: floats, shape: shape) }
        return ArrayData(doubles: scalars.map { Double($0) }, shape: shape)
    }

    /// Writes named tensors to a safetensors file (atomically: an interrupted write leaves any
    /// previous file intact), in the given order, with optional `__metadata__`.
    public static func saveSafeTensors(
        _ tensors: [(String, Tensor)], to path: String, metadata: [String: String] = [:]
    ) throws {
        try SafeTensors(tensors: tensors.map { ($0.0, $0.1.arrayData) }, metadata: metadata).write(to: path)
    }

    /// Reads every tensor of a safetensors file, in file order, converted to `Scalar`.
    public static func loadSafeTensors(from path: String) throws -> [(String, Tensor)] {
        try SafeTensors(contentsOf: path).tensors.map { ($0.name, Tensor($0.array)) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GlassboxIO
import Testing

/// Values shared with Scripts/check_io_roundtrip.py, which checks that NumPy and safetensors'
/// Python reader load the files Glassbox writes exactly.
enum ExportValues {
    static let floats: [Float] = [0, -0.0, 1.5, -2.25, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity, -.infinity, .nan, 0.1]
    static let doubles: [Double] = [0, -0.0, 1.5, -2.25, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity, -.infinity, .nan, 0.1]
    static let halves: [Float] = [0, -0.0, 1, -2.5, 65504, 0x1p-14, 0x1p-24, 0x1.8p-23, .infinity, -.infinity, .nan, 0.1]
    static let brains: [Float] = [0, -0.0, 1, -2.5, 3.0e38, 1e-40, .infinity, -.infinity, .nan, 0.1]
    static let int64s: [Int64] = [0, -1, 1 << 62, .min, .max, 12345]
    static let int32s: [Int32] = [0, -1, .max, .min, 7, -123456]
    static let uint8s: [UInt8] = [0, 1, 127, 128, 255, 42]
    static let bools: [Bool] = [true, false, true, true]

    static var arrays: [(name: String, array: ArrayData)] {
        [
            ("f32", ArrayData(floats: floats, shape: [2, 5])),
            ("f64", ArrayData(doubles: doubles, shape: [5, 2])),
            ("f16", ArrayData(floats: halves, shape: [3, 4], dtype: .f16)),
            ("i64", ArrayData(int64s: int64s, shape: [2, 3])),
            ("i32", ArrayData(int32s: int32s, shape: [3, 2])),
            ("u8", ArrayData(uint8s: uint8s, shape: [2, 3])),
            ("bool", ArrayData(bools: bools, shape: [2, 2])),
            ("scalar", ArrayData(doubles: [2.5], shape: [])),
            ("empty", ArrayData(floats: [], shape: [0, 3])),
        ]
    }
}

@Suite struct ExportTests {
    /// Writes Glassbox's files for the Python check when GLASSBOX_IO_EXPORT_DIR is set; always
    /// checks that they read back exactly.
    @Test func exportForPythonCheck() throws {
        let directory = TemporaryDirectory()
        let exportDirectory = getenv("GLASSBOX_IO_EXPORT_DIR").map { String(cString: $0) } ?? directory.path
        let arrays = ExportValues.arrays
        let safetensors = SafeTensors(
            tensors: arrays + [("bf16", ArrayData(floats: ExportValues.brains, shape: [2, 5], dtype: .bf16))],
            metadata: ["format": "pt", "producer": "Glassbox ✓"])
        try safetensors.write(to: exportDirectory + "/glassbox.safetensors")
        let npz = NPZ(arrays: arrays)
        try npz.write(to: exportDirectory + "/glassbox.npz")
        for (name, array) in arrays { try NPY.write(array, to: exportDirectory + "/glassbox_\(name).npy") }

        let back = try SafeTensors(contentsOf: exportDirectory + "/glassbox.safetensors")
        #expect(back.tensors.map(\.name) == safetensors.tensors.map(\.name))
        for (name, array) in safetensors.tensors { #expect(back[name] == array) }
        #expect(back.metadata == safetensors.metadata)
        let npzBack = try NPZ(contentsOf: exportDirectory + "/glassbox.npz")
        for (name, array) in arrays {
            #expect(npzBack[name] == array)
            #expect(try NPY.read(contentsOf: exportDirectory + "/glassbox_\(name).npy") == array)
        }
    }
}

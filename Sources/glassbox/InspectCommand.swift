import Glassbox
import GlassboxIO

/// The tensors of a file `glassbox inspect` reads, with the format's name.
func readTensorFile(_ path: String) throws -> (format: String, tensors: [(name: String, array: ArrayData)]) {
    let bytes = try FileIO.readBytes(atPath: path)
    if bytes.starts(with: [0x93] + Array("NUMPY".utf8)) {
        return ("npy", [("array", try NPY.decode(bytes, source: path))])
    }
    if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
        return ("npz", try NPZ(decoding: bytes, source: path).arrays)
    }
    if GZip.hasMagic(bytes) {
        return ("idx (gzip)", [("data", try IDX.decode(bytes, source: path))])
    }
    if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(bytes[2]) {
        return ("idx", [("data", try IDX.decode(bytes, source: path))])
    }
    if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") {
        let file = try SafeTensors(decoding: bytes, source: path)
        return ("safetensors", file.tensors)
    }
    throw CLIError.failure(
        "inspect: \(path): unknown file type (expected safetensors, .npy, .npz or IDX, optionally gzip-compressed)")
}

/// `glassbox inspect FILE`.
let inspectCommand = Command(
    name: "inspect",
    summary: "List the tensors of a safetensors, npy, npz or IDX file",
    usage: ["inspect FILE"],
    details: """
        Prints each tensor's name, dtype, shape and min/max/mean. The type is detected from the
        file's first bytes: safetensors, .npy, .npz, IDX (raw or gzip-compressed).
        """,
    options: [],
    maxPositionals: 1,
    run: { arguments in
        guard let path = arguments.positionals.first else {
            throw CLIError.usage("inspect: which file? (see 'glassbox help inspect')")
        }
        let (format, tensors) = try failing("inspect") { try readTensorFile(path) }
        Console.out("\(path): \(format), \(tensors.count) tensor\(tensors.count == 1 ? "" : "s")")
        let width = tensors.map(\.name.count).max() ?? 0
        for (name, array) in tensors {
            let values = array.asDoubles()
            var line = "  " + name + String(repeating: " ", count: width - name.count)
            line += "  \(array.dtype.safeTensorsName)  \(array.shape)"
            if values.isEmpty {
                line += "  (empty)"
            } else {
                let minimum = values.min()!
                let maximum = values.max()!
                let mean = values.reduce(0, +) / Double(values.count)
                line += "  min \(short(minimum))  max \(short(maximum))  mean \(short(mean))"
            }
            Console.out(line)
        }
        return 0
    })

/// A number printed with at most 6 significant digits.
private func short(_ value: Double) -> String {
    if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int(value)) }
    let magnitude = Swift.abs(value)
    if magnitude >= 1e-4 && magnitude < 1e6 {
        let scale = 1e6
        return "\((value * scale).rounded() / scale)"
    }
    return "\(value)"
}

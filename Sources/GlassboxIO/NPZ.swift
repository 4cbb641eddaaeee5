/// A NumPy `.npz` archive: a zip of `.npy` files, one per named array.
///
/// Reading accepts `np.savez` (stored) and `np.savez_compressed` (deflate) archives and strips
/// the `.npy` suffix from entry names; errors in an entry name it as `archive.npz:entry.npy`.
/// Writing stores each array as `name.npy`, uncompressed, in the given order.
public struct NPZ: Sendable {
    /// The arrays in archive order, named without the `.npy` suffix.
    public var arrays: [(name: String, array: ArrayData)]

    /// Creates an archive from named arrays.
    public init(arrays: [(name: String, array: ArrayData)] = []) {
        self.arrays = arrays
    }

    /// The array named `name`, or `nil`.
    public subscript(name: String) -> ArrayData? {
        arrays.first { $0.name == name }?.array
    }

    /// The arrays keyed by name.
    public var arraysByName: [String: ArrayData] {
        Dictionary(arrays.map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads the `.npz` file at `path`; decompression stops at `maxOutputBytes` in total.
    ///
    /// - Throws: ``FileError``, ``ZipError`` or ``NPYError``.
    public init(contentsOf path: String, maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws {
        try self.init(decoding: FileIO.readBytes(atPath: path), source: path, maxOutputBytes: maxOutputBytes)
    }

    /// Decodes `.npz` bytes; `source` names the archive in errors.
    ///
    /// - Throws: ``ZipError`` or ``NPYError``.
    public init(decoding bytes: [UInt8], source: String = "<memory>", maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws {
        let archive = try ZipArchive(decoding: bytes, source: source, maxOutputBytes: maxOutputBytes)
        arrays = try archive.entries.map { entry in
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            return (name, try NPY.decode(entry.bytes, source: "\(source):\(entry.name)"))
        }
    }

    /// The `.npz` bytes: each array as a stored `name.npy` entry.
    ///
    /// - Throws: ``NPYError`` (a `.bf16` array) or ``ZipError`` (duplicate names, over 4 GiB).
    public func encoded(source: String = "<memory>") throws -> [UInt8] {
        let entries = try arrays.map { name, array in
            ZipArchive.Entry(name: name + ".npy", bytes: try NPY.encode(array, source: "\(source):\(name).npy"))
        }
        return try ZipArchive(entries: entries).encoded(source: source)
    }

    /// Writes the archive to `path`, atomically.
    ///
    /// - Throws: ``NPYError``, ``ZipError`` or ``FileError``.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(encoded(source: path), toPath: path)
    }
}

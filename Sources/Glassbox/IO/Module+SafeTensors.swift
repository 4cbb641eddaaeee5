import GlassboxIO

extension Module {
    /// Writes the module's ``stateDict()`` (parameters and buffers, PyTorch names, state-dict
    /// order) to a safetensors file, atomically, like
    /// `safetensors.torch.save_file(model.state_dict(), path)`.
    ///
    /// - Parameter metadata: optional `__metadata__` strings stored in the header.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try Tensor<Scalar>.saveSafeTensors(stateDict(), to: path, metadata: metadata)
    }

    /// Loads a safetensors state dict written by ``save(to:metadata:)`` or by PyTorch
    /// (`safetensors.torch.save_file(model.state_dict(), path)`) into the module, in place, like
    /// `model.load_state_dict(load_file(path), strict=strict)`. Floating-point entries of any
    /// dtype are converted to `Scalar`.
    ///
    /// - Throws: the file's `SafeTensorsError`/`FileError`, or ``StateDictError`` naming the
    ///   entry that is missing, unexpected (only when `strict`) or mis-shaped.
    public func load(from path: String, strict: Bool = true) throws {
        let entries = try Tensor<Scalar>.loadSafeTensors(from: path)
        try loadStateDict(Dictionary(entries, uniquingKeysWith: { first, _ in first }), strict: strict)
    }
}

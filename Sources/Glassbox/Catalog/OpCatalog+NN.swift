import GlassboxKernels

extension OpCatalog {
    /// Entries for composite functions of the neural-network layer: losses, layers.
    static var nnEntries: [OpCatalogEntry] { [] }
}

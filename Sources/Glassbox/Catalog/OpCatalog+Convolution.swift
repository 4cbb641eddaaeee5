import GlassboxKernels

extension OpCatalog {
    /// Entries for `Conv2d`, `ConvTranspose2d`.
    static var convolutionEntries: [OpCatalogEntry] {
        []
    }
}

import GlassboxKernels

extension OpCatalog {
    /// Entries for `BatchNorm1d`, `BatchNorm2d`, `GroupNorm`, `Dropout2d`.
    static var normalizationEntries: [OpCatalogEntry] {
        []
    }
}

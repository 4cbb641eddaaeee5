import GlassboxKernels

extension OpCatalog {
    /// Entries for `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, `Upsample`.
    static var poolingEntries: [OpCatalogEntry] {
        []
    }
}

import GlassboxIO

extension ReferenceRegistry {
    /// `BatchNorm1d`, `BatchNorm2d`, `GroupNorm`, `Dropout2d`.
    static func normalizationBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [:]
    }
}

import GlassboxIO

extension ReferenceRegistry {
    /// `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, `Upsample`.
    static func poolingBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [:]
    }
}

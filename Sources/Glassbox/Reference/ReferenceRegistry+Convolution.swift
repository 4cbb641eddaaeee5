import GlassboxIO

extension ReferenceRegistry {
    /// `Conv2d`, `ConvTranspose2d`.
    static func convolutionBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [:]
    }
}

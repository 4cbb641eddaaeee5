/// One step of a sequence: `[N, T, D]` → `[N, D]`, step `index` (negative counts from the end,
/// so `-1` is the last step). A ViT reads its class token with `SequenceStep(0)`; a recurrent
/// classifier reads its last output with `SequenceStep(-1)`, like `output[:, -1, :]` in PyTorch.
public final class SequenceStep<Scalar: TensorScalar>: Layer {
    /// The step taken (negative: from the end).
    public let index: Int
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the readout of step `index`.
    public init(_ index: Int) { self.index = index }

    /// `input[:, index, :]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(input.rank == 3, "SequenceStep: expected [N, T, D], got \(input.shape)")
        let steps = input.shape[1]
        let t = index < 0 ? steps + index : index
        precondition(t >= 0 && t < steps, "SequenceStep: step \(index) outside the \(steps) steps of \(input.shape)")
        return input.sliced(dim: 1, t..<(t + 1)).squeezed(1)
    }
}

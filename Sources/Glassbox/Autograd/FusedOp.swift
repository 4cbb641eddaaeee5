import GlassboxKernels

/// Fused operations: a fast kernel backward for ordinary gradients, and the same function
/// written with differentiable operations for gradients that are themselves recorded.
extension Tensor {
    /// Records `outputs` (computed by fused kernels from `inputs`) as one node of `op` whose
    /// backward is `kernelBackward` for an ordinary `backward()`, and the derivative of
    /// `composite` when the gradient is itself being recorded (`backward(createGraph: true)`,
    /// where grad mode is on inside backward functions).
    ///
    /// `composite(inputs)` must compute the same outputs as the kernels (up to rounding) with
    /// differentiable operations; its derivative is taken by the autograd engine
    /// (``compositeGradients(_:_:gradOutputs:)``), so a fused op writes one backward by hand —
    /// the fast one — and second and higher derivatives follow from the composite. The
    /// op catalog's gradcheck covers the kernel backward; `HigherOrderTests` compare the two.
    ///
    /// - Parameters:
    ///   - kernelBackward: the gradients of the inputs from one gradient per output (zeros for
    ///     an output no gradient reached) and the outputs the reverse walk reached.
    ///   - composite: the function of the inputs (in the order of `inputs`) as differentiable
    ///     operations, returning one tensor per output.
    /// - Returns: `outputs`, recorded.
    @discardableResult
    static func recordedFused(
        _ op: DifferentiableOp, _ inputs: [Tensor], outputs: [Tensor],
        kernelBackward: @escaping (_ gradOutputs: [Tensor], _ outputs: [Tensor?]) -> [Tensor?],
        composite: @escaping (_ inputs: [Tensor]) -> [Tensor]
    ) -> [Tensor] {
        recorded(op, inputs, outputs: outputs) { gradOutputs, outputs in
            guard GradMode.isEnabled else { return kernelBackward(gradOutputs, outputs) }
            return compositeGradients(composite, inputs, gradOutputs: gradOutputs)
        }
    }

    /// The gradients of `Σᵢ sum(compositeᵢ(inputs) ⊙ gradOutputsᵢ)` with respect to each input
    /// that requires grad (`nil` for the others), recorded: `composite` runs with grad mode on
    /// and the walk stops at `inputs` and `gradOutputs` (the graphs that produced them are not
    /// entered), so the results are differentiable functions of the inputs and of the incoming
    /// gradients, to any order.
    static func compositeGradients(
        _ composite: ([Tensor]) -> [Tensor], _ inputs: [Tensor], gradOutputs: [Tensor]
    ) -> [Tensor?] {
        let values = withGrad { composite(inputs) }
        precondition(values.count == gradOutputs.count, "compositeGradients: \(values.count) outputs, \(gradOutputs.count) gradients")
        var total: Tensor?
        for (value, g) in zip(values, gradOutputs) where value.requiresGrad {
            let term = withGrad { (value * g).sum() }
            total = total.map { t in withGrad { t + term } } ?? term
        }
        guard let total else { return inputs.map { _ in nil } }
        let grads = optionalGradients(
            of: total, withRespectTo: inputs + gradOutputs, gradOutput: nil, createGraph: true, stoppingAtInputs: true)
        return zip(inputs, grads).map { input, grad in input.requiresGrad ? (grad ?? Tensor.zeros(input.shape)) : nil }
    }
}

import GlassboxKernels

/// Reverse-mode differentiation: walking the recorded graph from an output to its leaves.
extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires grad, and
    /// adds it to the leaf's ``grad`` (gradients accumulate, as in PyTorch; zero them between
    /// steps).
    ///
    /// - Parameters:
    ///   - gradient: the gradient of some scalar with respect to `self`; may be omitted only
    ///     when `self` has one element (then it is 1).
    ///   - createGraph: record the backward computation itself, so the resulting gradients can
    ///     be differentiated again (higher-order derivatives, gradient penalties).
    public func backward(_ gradient: Tensor? = nil, createGraph: Bool = false) {
        let leaves = Self.reachableLeaves(from: self)
        let grads = Self.optionalGradients(of: self, withRespectTo: leaves, gradOutput: gradient, createGraph: createGraph)
        for (leaf, g) in zip(leaves, grads) {
            guard let g else { continue }
            let stored = createGraph ? g : g.detached()
            if let existing = leaf.grad {
                leaf.grad = GradMode.$isEnabled.withValue(createGraph) { existing + stored }
            } else {
                leaf.grad = stored
            }
        }
    }

    /// The gradients of `output` with respect to `inputs`, like `torch.autograd.grad`; `.grad`
    /// fields are left untouched. An input that `output` does not depend on gets zeros.
    ///
    /// - Parameters:
    ///   - gradOutput: the gradient flowing into `output` (defaults to 1 for one element).
    ///   - createGraph: record the computation so the results can be differentiated again.
    public static func gradients(
        of output: Tensor, withRespectTo inputs: [Tensor], gradOutput: Tensor? = nil,
        createGraph: Bool = false
    ) -> [Tensor] {
        let grads = optionalGradients(
            of: output, withRespectTo: inputs, gradOutput: gradOutput, createGraph: createGraph)
        return zip(inputs, grads).map { input, g in g ?? Tensor.zeros(input.shape) }
    }

    static func optionalGradients(
        of output: Tensor, withRespectTo inputs: [Tensor], gradOutput: Tensor?, createGraph: Bool
    ) -> [Tensor?] {
        precondition(
            output.requiresGrad,
            "backward: the output does not require grad (no input requires grad, or it was computed inside withoutGrad)")
        let seed: Tensor
        if let gradOutput {
            precondition(
                gradOutput.shape == output.shape,
                "backward: gradient shape \(gradOutput.shape) does not match output shape \(output.shape)")
            seed = gradOutput
        } else {
            precondition(
                output.count == 1,
                "backward: a gradient must be given for an output of shape \(output.shape)")
            seed = Tensor.ones(output.shape)
        }
        // With anomaly detection on, each backward function's results are checked here; the
        // operations inside backward functions are not checked again as forward operations.
        let anomalies = AnomalyDetection.recorder
        return GradMode.$isEnabled.withValue(createGraph) {
            AnomalyDetection.$recorder.withValue(nil) {
                reverseWalk(from: output, seed: seed, to: inputs, checkingWith: anomalies)
            }
        }
    }

    /// Propagates `seed` from `output` back through the recorded graph and returns the
    /// gradients reaching `inputs` (`nil` where none flows); every gradient a backward function
    /// returns is checked by `anomalies` when it is given.
    private static func reverseWalk(
        from output: Tensor, seed: Tensor, to inputs: [Tensor], checkingWith anomalies: AnomalyRecorder?
    ) -> [Tensor?] {
        let order = OpProfiler.timed("backward: graph walk") { topologicalOrder(from: output) }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(output): seed]
        var wanted: [ObjectIdentifier: Int] = [:]
        for (i, t) in inputs.enumerated() { wanted[ObjectIdentifier(t)] = i }
        var result = [Tensor?](repeating: nil, count: inputs.count)
        // Reverse topological order: every consumer of a tensor is done before it.
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard let g = pending.removeValue(forKey: id) else { continue }
            if let i = wanted[id] { result[i] = g }
            guard let node = t.gradNode else { continue }
            let inputGrads = OpProfiler.timed("backward " + node.op.rawValue) { node.backward(g, t) }
            precondition(inputGrads.count == node.inputs.count, "backward of \(node.op): wrong arity")
            for (index, (input, ig)) in zip(node.inputs, inputGrads).enumerated() {
                guard let ig, input.requiresGrad else { continue }
                precondition(
                    ig.shape == input.shape,
                    "backward of \(node.op.rawValue): gradient shape \(ig.shape) for input of shape \(input.shape)")
                anomalies?.checkBackward(node, output: t, gradient: ig, index: index)
                let key = ObjectIdentifier(input)
                if let acc = pending[key] {
                    pending[key] = OpProfiler.timed("backward: accumulate") { acc + ig }
                } else {
                    pending[key] = ig
                }
            }
        }
        return result
    }

    /// Tensors reachable from `root` through recorded nodes, each after all of its inputs.
    static func topologicalOrder(from root: Tensor) -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first search (graphs of long sequences would overflow recursion).
        var stack: [(Tensor, Bool)] = [(root, false)]
        while let (t, expanded) = stack.popLast() {
            let id = ObjectIdentifier(t)
            if expanded {
                order.append(t)
                continue
            }
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let node = t.gradNode {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }

    static func reachableLeaves(from root: Tensor) -> [Tensor] {
        topologicalOrder(from: root).filter { $0.isLeaf && $0.requiresGrad }
    }
}

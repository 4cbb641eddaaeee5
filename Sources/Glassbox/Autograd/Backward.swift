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

    /// The gradients of `output` (seeded with `gradOutput`, or 1) with respect to `inputs`.
    /// With `stoppingAtInputs`, the walk does not go past `inputs` into the graph that produced
    /// them: each gradient is then the partial derivative through paths that avoid the other
    /// inputs, which is what a node's backward wants (see ``compositeGradients(_:_:gradOutputs:)``).
    static func optionalGradients(
        of output: Tensor, withRespectTo inputs: [Tensor], gradOutput: Tensor?, createGraph: Bool,
        stoppingAtInputs: Bool = false
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
                reverseWalk(
                    from: output, seed: seed, to: inputs, stoppingAtInputs: stoppingAtInputs, checkingWith: anomalies)
            }
        }
    }

    /// Propagates `seed` from `output` back through the recorded graph and returns the
    /// gradients reaching `inputs` (`nil` where none flows); every gradient a backward function
    /// returns is checked by `anomalies` when it is given.
    ///
    /// A node with several outputs runs once, when the walk reaches the last of its outputs in
    /// reverse topological order: every consumer of every output comes later in topological
    /// order than that output, so all of their gradients have arrived by then.
    private static func reverseWalk(
        from output: Tensor, seed: Tensor, to inputs: [Tensor], stoppingAtInputs: Bool, checkingWith anomalies: AnomalyRecorder?
    ) -> [Tensor?] {
        var wanted: [ObjectIdentifier: Int] = [:]
        for (i, t) in inputs.enumerated() { wanted[ObjectIdentifier(t)] = i }
        let order = OpProfiler.timed("backward: graph walk") {
            topologicalOrder(from: output, stoppingAt: stoppingAtInputs ? Set(wanted.keys) : [])
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(output): seed]
        var result = [Tensor?](repeating: nil, count: inputs.count)
        // For nodes with several outputs: how many of their outputs the walk has still to
        // visit, and the gradients and outputs gathered so far.
        var unvisited: [ObjectIdentifier: Int] = [:]
        for t in order {
            if let node = t.gradNode, node.outputCount > 1, wanted[ObjectIdentifier(t)] == nil || !stoppingAtInputs {
                unvisited[ObjectIdentifier(node), default: 0] += 1
            }
        }
        var gathered: [ObjectIdentifier: (grads: [Tensor?], outputs: [Tensor?])] = [:]
        // Reverse topological order: every consumer of a tensor is done before it.
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            let g = pending.removeValue(forKey: id)
            if let g, let i = wanted[id] { result[i] = g }
            guard let node = t.gradNode, !(stoppingAtInputs && wanted[id] != nil) else { continue }
            let gradOutputs: [Tensor], outputs: [Tensor?]
            if node.outputCount == 1 {
                guard let g else { continue }
                (gradOutputs, outputs) = ([g], [t])
            } else {
                let key = ObjectIdentifier(node)
                var entry = gathered[key] ?? (Array(repeating: nil, count: node.outputCount), Array(repeating: nil, count: node.outputCount))
                entry.grads[t.gradOutputIndex] = g
                entry.outputs[t.gradOutputIndex] = t
                unvisited[key]! -= 1
                guard unvisited[key]! == 0 else {
                    gathered[key] = entry
                    continue
                }
                gathered[key] = nil
                guard entry.grads.contains(where: { $0 != nil }) else { continue }
                gradOutputs = zip(entry.grads, node.outputShapes).map { $0 ?? Tensor.zeros($1) }
                outputs = entry.outputs
            }
            let inputGrads = OpProfiler.timed("backward " + node.op.rawValue) { node.backward(gradOutputs, outputs) }
            precondition(inputGrads.count == node.inputs.count, "backward of \(node.op): wrong arity")
            for (index, (input, ig)) in zip(node.inputs, inputGrads).enumerated() {
                guard let ig, input.requiresGrad else { continue }
                precondition(
                    ig.shape == input.shape,
                    "backward of \(node.op.rawValue): gradient shape \(ig.shape) for input of shape \(input.shape)")
                anomalies?.checkBackward(node, gradient: ig, index: index)
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

    /// Tensors reachable from `root` through recorded nodes, each after all of its inputs; the
    /// nodes of tensors in `stops` are not entered.
    static func topologicalOrder(from root: Tensor, stoppingAt stops: Set<ObjectIdentifier> = []) -> [Tensor] {
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
            if let node = t.gradNode, !stops.contains(id) {
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

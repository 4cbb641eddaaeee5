import GlassboxKernels

/// One recorded operation of the autograd graph.
///
/// `backward(gradOutput, output)` returns the gradient for each input (or `nil` where none
/// flows). Backward functions are written with differentiable tensor operations, so running
/// them with grad mode on (``Tensor/backward(_:createGraph:)`` with `createGraph: true`)
/// records a graph of the gradient itself: higher-order derivatives.
///
/// The output is passed in rather than captured, so a node never keeps its own output alive
/// (no reference cycle), and backward formulas that use the output (`tanh`, `exp`, `softmax`)
/// still differentiate through it.
final class GradNode<Scalar: TensorScalar> {
    let op: DifferentiableOp
    /// Mutable only so that ``Tensor/releaseGraph()`` can dismantle long graphs iteratively.
    var inputs: [Tensor<Scalar>]
    private var backwardFunction: ((_ gradOutput: Tensor<Scalar>, _ output: Tensor<Scalar>) -> [Tensor<Scalar>?])?

    init(
        op: DifferentiableOp, inputs: [Tensor<Scalar>],
        backward: @escaping (Tensor<Scalar>, Tensor<Scalar>) -> [Tensor<Scalar>?]
    ) {
        self.op = op
        self.inputs = inputs
        self.backwardFunction = backward
    }

    func backward(_ gradOutput: Tensor<Scalar>, _ output: Tensor<Scalar>) -> [Tensor<Scalar>?] {
        backwardFunction!(gradOutput, output)
    }

    /// Drops the backward closure (and the tensors it captured).
    func releaseClosure() { backwardFunction = nil }
}

extension Tensor {
    /// Frees the graph behind a dying tensor without recursion: a chain of 100 000 recorded
    /// operations would otherwise overflow the stack in nested `deinit`s.
    ///
    /// A node is dismantled only when nothing else holds it; an input tensor's own node is
    /// taken over only when the dismantled node held the last reference to that tensor.
    func releaseGraph() {
        guard gradNode != nil else { return }
        var pending = [gradNode!]
        gradNode = nil
        while var node = pending.popLast() {
            guard isKnownUniquelyReferenced(&node) else { continue }
            node.releaseClosure()
            var inputs = node.inputs
            node.inputs = []
            for i in inputs.indices {
                if isKnownUniquelyReferenced(&inputs[i]), let child = inputs[i].gradNode {
                    inputs[i].gradNode = nil
                    pending.append(child)
                }
            }
        }
    }
}

extension Tensor {
    /// Attaches a graph node to `self` (a freshly computed output) when grad mode is on and an
    /// input requires grad. Every differentiable operation ends with this call, which is also
    /// where ``withAnomalyDetection(_:)`` checks forward outputs.
    @discardableResult
    func recorded(
        _ op: DifferentiableOp, _ inputs: [Tensor],
        backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) -> [Tensor?]
    ) -> Tensor {
        AnomalyDetection.recorder?.checkForward(op, inputs: inputs, output: self)
        OpProfiler.forwardEnded(op)
        if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            gradNode = GradNode(op: op, inputs: inputs, backward: backward)
            requiresGrad = true
        }
        return self
    }

    /// The name of the operation that produced this tensor, or `nil` for a leaf.
    public var gradFunctionName: String? { gradNode?.op.rawValue }

    /// The set of operations recorded in the graph that produced this tensor.
    public func recordedOperations() -> Set<DifferentiableOp> {
        var seen = Set<ObjectIdentifier>()
        var ops = Set<DifferentiableOp>()
        var stack: [Tensor] = [self]
        while let t = stack.popLast() {
            guard let node = t.gradNode, seen.insert(ObjectIdentifier(t)).inserted else { continue }
            ops.insert(node.op)
            stack.append(contentsOf: node.inputs)
        }
        return ops
    }
}

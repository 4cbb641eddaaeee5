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
    let inputs: [Tensor<Scalar>]
    let backward: (_ gradOutput: Tensor<Scalar>, _ output: Tensor<Scalar>) -> [Tensor<Scalar>?]

    init(
        op: DifferentiableOp, inputs: [Tensor<Scalar>],
        backward: @escaping (Tensor<Scalar>, Tensor<Scalar>) -> [Tensor<Scalar>?]
    ) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Attaches a graph node to `self` (a freshly computed output) when grad mode is on and an
    /// input requires grad. Every differentiable operation ends with this call.
    @discardableResult
    func recorded(
        _ op: DifferentiableOp, _ inputs: [Tensor],
        backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) -> [Tensor?]
    ) -> Tensor {
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

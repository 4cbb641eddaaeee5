import GlassboxKernels

/// One recorded operation of the autograd graph, with one output or several.
///
/// `backward(gradOutputs, outputs)` returns the gradient for each input (or `nil` where none
/// flows). `gradOutputs` holds one gradient per output, zeros for an output that no gradient
/// reached; `outputs` holds the output tensors the reverse walk reached (`nil` for the others,
/// which may already be gone). Backward functions are written with differentiable tensor
/// operations, so running them with grad mode on (``Tensor/backward(_:createGraph:)`` with
/// `createGraph: true`) records a graph of the gradient itself: higher-order derivatives.
///
/// A node with several outputs (an LSTM layer's `output`, `h_n` and `c_n`) is shared by its
/// output tensors, each of which knows its position (``Tensor/gradOutputIndex``); the reverse
/// walk runs the node once, after every consumer of every output (see `Backward.swift`).
///
/// The outputs are passed in rather than captured, so a node never keeps its own outputs alive
/// (no reference cycle), and backward formulas that use the output (`tanh`, `exp`, `softmax`)
/// still differentiate through it.
final class GradNode<Scalar: TensorScalar> {
    let op: DifferentiableOp
    /// Mutable only so that ``Tensor/releaseGraph()`` can dismantle long graphs iteratively.
    var inputs: [Tensor<Scalar>]
    /// The shape of each output (a zero gradient is made for an output no gradient reached).
    let outputShapes: [[Int]]
    private var backwardFunction: ((_ gradOutputs: [Tensor<Scalar>], _ outputs: [Tensor<Scalar>?]) -> [Tensor<Scalar>?])?

    init(
        op: DifferentiableOp, inputs: [Tensor<Scalar>], outputShapes: [[Int]],
        backward: @escaping ([Tensor<Scalar>], [Tensor<Scalar>?]) -> [Tensor<Scalar>?]
    ) {
        self.op = op
        self.inputs = inputs
        self.outputShapes = outputShapes
        self.backwardFunction = backward
    }

    /// The number of outputs.
    var outputCount: Int { outputShapes.count }

    func backward(_ gradOutputs: [Tensor<Scalar>], _ outputs: [Tensor<Scalar>?]) -> [Tensor<Scalar>?] {
        backwardFunction!(gradOutputs, outputs)
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
    /// input requires grad. Every differentiable operation ends with this call (or
    /// ``recorded(_:_:outputs:backward:)`` for several outputs), which is also where
    /// ``withAnomalyDetection(_:)`` checks forward outputs.
    @discardableResult
    func recorded(
        _ op: DifferentiableOp, _ inputs: [Tensor],
        backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) -> [Tensor?]
    ) -> Tensor {
        Tensor.recorded(op, inputs, outputs: [self]) { gradOutputs, outputs in backward(gradOutputs[0], outputs[0]!) }[0]
    }

    /// Attaches one graph node with several outputs to `outputs` (freshly computed) when grad
    /// mode is on and an input requires grad; returns `outputs`. The backward receives one
    /// gradient per output (zeros where none flowed) and the outputs the reverse walk reached.
    @discardableResult
    static func recorded(
        _ op: DifferentiableOp, _ inputs: [Tensor], outputs: [Tensor],
        backward: @escaping (_ gradOutputs: [Tensor], _ outputs: [Tensor?]) -> [Tensor?]
    ) -> [Tensor] {
        for output in outputs { AnomalyDetection.recorder?.checkForward(op, inputs: inputs, output: output) }
        OpProfiler.forwardEnded(op)
        if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            let node = GradNode(op: op, inputs: inputs, outputShapes: outputs.map(\.shape), backward: backward)
            for (index, output) in outputs.enumerated() {
                output.gradNode = node
                output.gradOutputIndex = index
                output.requiresGrad = true
            }
        }
        return outputs
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

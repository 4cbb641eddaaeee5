import Synchronization

/// Which pass produced an anomaly: an operation's forward computation or its backward function.
public enum AnomalyPhase: String, Sendable {
    /// The operation's output held a NaN or an infinity.
    case forward
    /// A gradient that the operation's backward function returned held a NaN or an infinity.
    case backward
}

/// The kind of non-finite value an anomaly check found.
public enum NonFiniteValue: String, Sendable {
    /// Not a number.
    case nan = "NaN"
    /// Positive or negative infinity.
    case infinity = "Inf"
}

/// The first NaN or infinity produced inside ``withAnomalyDetection(_:)``, like the error
/// `torch.autograd.detect_anomaly` raises.
///
/// It names the operation (its ``DifferentiableOp`` case), the pass, and the shapes of the
/// operation's inputs and output. For a backward anomaly the operation is the one whose forward
/// recorded the graph node, and ``gradientInput`` says which input's gradient was non-finite.
public struct AnomalyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation that produced the value.
    public let op: DifferentiableOp
    /// Whether the forward computation or the backward function produced it.
    public let phase: AnomalyPhase
    /// NaN or infinity (NaN when the tensor holds both).
    public let value: NonFiniteValue
    /// The shapes of the operation's inputs, in argument order.
    public let inputShapes: [[Int]]
    /// The shape of the operation's output.
    public let outputShape: [Int]
    /// For a backward anomaly, the index of the input whose gradient was non-finite; `nil` for
    /// a forward anomaly.
    public let gradientInput: Int?

    /// One line naming the pass, the operation, the value and the shapes.
    public var description: String {
        let shapes = "inputs \(inputShapes.map { "\($0)" }.joined(separator: ", ")) → output \(outputShape)"
        switch phase {
        case .forward:
            return "anomaly detected in the forward pass: '\(op.rawValue)' returned \(value.rawValue) (\(shapes))"
        case .backward:
            let index = gradientInput ?? 0
            return "anomaly detected in the backward pass: the backward of '\(op.rawValue)' returned \(value.rawValue) "
                + "in the gradient of input \(index) of shape \(inputShapes[index]) (its forward: \(shapes))"
        }
    }
}

/// Holds the first anomaly found by the checks of one ``withAnomalyDetection(_:)`` scope.
final class AnomalyRecorder: Sendable {
    private let first = Mutex<AnomalyError?>(nil)

    /// The first anomaly recorded, if any.
    var anomaly: AnomalyError? { first.withLock { $0 } }

    /// Keeps `anomaly` unless an earlier one was recorded.
    func record(_ anomaly: AnomalyError) {
        first.withLock { if $0 == nil { $0 = anomaly } }
    }
}

/// The anomaly-detection state of the current thread or task (like ``GradMode``).
enum AnomalyDetection {
    /// The recorder of the innermost active ``withAnomalyDetection(_:)``, or `nil` when
    /// detection is off (or while the backward walk runs backward functions, whose own
    /// operations are checked as the backward of the node, not as forward operations).
    @TaskLocal static var recorder: AnomalyRecorder?
}

extension AnomalyRecorder {
    /// Records a forward anomaly if `output` of `op` holds a non-finite value.
    func checkForward<Scalar>(_ op: DifferentiableOp, inputs: [Tensor<Scalar>], output: Tensor<Scalar>) {
        guard anomaly == nil, let value = output.firstNonFiniteValue else { return }
        record(AnomalyError(
            op: op, phase: .forward, value: value, inputShapes: inputs.map(\.shape), outputShape: output.shape,
            gradientInput: nil))
    }

    /// Records a backward anomaly if the gradient `gradient` that `node`'s backward function
    /// returned for input `index` holds a non-finite value.
    func checkBackward<Scalar>(_ node: GradNode<Scalar>, gradient: Tensor<Scalar>, index: Int) {
        guard anomaly == nil, let value = gradient.firstNonFiniteValue else { return }
        record(AnomalyError(
            op: node.op, phase: .backward, value: value, inputShapes: node.inputs.map(\.shape),
            outputShape: node.outputShapes[0], gradientInput: index))
    }
}

extension Tensor {
    /// `.nan` if an element is NaN, else `.infinity` if one is infinite, else `nil`.
    var firstNonFiniteValue: NonFiniteValue? {
        withUnsafeBufferPointer { elements in
            var infinite = false
            for x in elements where !x.isFinite {
                if x.isNaN { return .nan }
                infinite = true
            }
            return infinite ? .infinity : nil
        }
    }
}

/// Runs `body` with anomaly detection on, like `torch.autograd.detect_anomaly()`, and throws
/// the first anomaly found.
///
/// While it is active, the output of every differentiable operation (forward) and every gradient
/// that a backward function returns are checked for NaN and infinity. Operations cannot throw, so
/// the first anomaly is recorded and the computation goes on; when `body` returns, that anomaly
/// is thrown as an ``AnomalyError`` naming the operation, the pass and the shapes. Call
/// ``checkAnomalies()`` inside `body` to stop earlier (for example between `backward()` and an
/// optimizer step, so non-finite gradients never reach the weights).
///
/// If `body` throws after an anomaly was recorded, the anomaly (the earlier cause) is thrown
/// instead of `body`'s error; otherwise `body`'s error is rethrown. Forward outputs that are
/// infinite by design (a `-inf` attention mask) are reported too: leave them outside the scope.
///
/// The setting is local to the current thread or task, like ``withoutGrad(_:)``; detection off
/// costs one task-local read per operation. Detection on scans every output and gradient once.
public func withAnomalyDetection<R>(_ body: () throws -> R) throws -> R {
    let recorder = AnomalyRecorder()
    let result: Result<R, any Error> = AnomalyDetection.$recorder.withValue(recorder) { Result { try body() } }
    if let anomaly = recorder.anomaly { throw anomaly }
    return try result.get()
}

/// Throws the first anomaly recorded so far by the innermost ``withAnomalyDetection(_:)``;
/// does nothing when there is none, or outside such a scope.
public func checkAnomalies() throws {
    if let anomaly = AnomalyDetection.recorder?.anomaly { throw anomaly }
}

/// Whether operations on the current thread or task are checked for NaN and infinity.
public var isAnomalyDetectionEnabled: Bool { AnomalyDetection.recorder != nil }

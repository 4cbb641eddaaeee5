import GlassboxKernels

/// A gradient-descent method that updates parameters in place, like `torch.optim.Optimizer`
/// (one parameter group).
///
/// Usage per step: `optimizer.zeroGrad()`, compute the loss, `loss.backward()`,
/// `optimizer.step()`. Updates run outside the autograd graph, element by element, with
/// PyTorch's formulas in PyTorch's order of operations (its single-tensor, `foreach=False`
/// implementations), so a `Double` run matches PyTorch to rounding.
///
/// Parameters whose ``Tensor/grad`` is `nil` are skipped (their state does not advance), as in
/// PyTorch. Per-parameter state (``state``) holds PyTorch's buffer names (`momentum_buffer`,
/// `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`, `square_avg`, `grad_avg`) and the parameter's own
/// step count, so it can be checkpointed with ``stateDict()`` and restored with
/// ``loadStateDict(_:)``.
public protocol Optimizer<Scalar>: AnyObject {
    /// The parameters' element type.
    associatedtype Scalar: TensorScalar
    /// The parameters updated, in the order given at creation.
    var parameters: [Tensor<Scalar>] { get }
    /// The current learning rate (LR schedulers write it).
    var learningRate: Double { get set }
    /// The learning rate schedulers start from (PyTorch's `initial_lr`), recorded by the first
    /// scheduler attached; `nil` before.
    var initialLearningRate: Double? { get set }
    /// Per-parameter state, one entry per parameter.
    var state: [ParameterState<Scalar>] { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
}

/// The optimizer state of one parameter: its step count and named buffers.
public struct ParameterState<Scalar: TensorScalar> {
    /// How many updates this parameter has received.
    public var step: Int = 0
    /// Buffers by PyTorch name (`exp_avg`, `momentum_buffer`, …); created on first use.
    public var buffers: [String: Tensor<Scalar>] = [:]

    /// Creates an empty state.
    public init() {}

    /// The buffer `name`, created as zeros shaped like `parameter` if absent.
    mutating func buffer(_ name: String, like parameter: Tensor<Scalar>) -> Tensor<Scalar> {
        if let b = buffers[name] { return b }
        let b = Tensor<Scalar>.zeros(like: parameter)
        buffers[name] = b
        return b
    }
}

extension Optimizer {
    /// Clears every parameter's gradient (sets it to `nil`, PyTorch's `set_to_none=True`).
    public func zeroGrad() {
        for p in parameters { p.grad = nil }
    }

    /// The state as named tensors, for checkpoints: `state.<i>.<buffer>` for each buffer and
    /// `state.<i>.step` (a scalar tensor, as PyTorch stores it) for each parameter `i` that has
    /// been updated, in parameter order, buffers sorted by name.
    public func stateDict() -> [(name: String, tensor: Tensor<Scalar>)] {
        var result: [(name: String, tensor: Tensor<Scalar>)] = []
        for (i, s) in state.enumerated() where s.step > 0 || !s.buffers.isEmpty {
            for name in s.buffers.keys.sorted() { result.append(("state.\(i).\(name)", s.buffers[name]!)) }
            result.append(("state.\(i).step", Tensor(Scalar(s.step))))
        }
        return result
    }

    /// Restores state saved by ``stateDict()`` (buffers are copied, so the optimizer owns them).
    ///
    /// - Throws: ``StateDictError`` for an entry whose name, shape or value does not fit.
    public func loadStateDict(_ entries: [String: Tensor<Scalar>]) throws {
        var newState = [ParameterState<Scalar>](repeating: ParameterState(), count: parameters.count)
        for (name, tensor) in entries {
            let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), i >= 0, i < parameters.count else {
                throw StateDictError.unexpected(name: name)
            }
            if parts[2] == "step" {
                guard tensor.count == 1 else { throw StateDictError.shapeMismatch(name: name, expected: [], found: tensor.shape) }
                guard let step = Int(exactly: tensor.scalars[0]), step >= 0 else {
                    throw StateDictError.invalidValue(name: name, expected: "a non-negative integer step count")
                }
                newState[i].step = step
            } else {
                guard tensor.shape == parameters[i].shape else {
                    throw StateDictError.shapeMismatch(name: name, expected: parameters[i].shape, found: tensor.shape)
                }
                let copy = Tensor<Scalar>.zeros(like: tensor)
                copy.assign(tensor)
                newState[i].buffers[parts[2]] = copy
            }
        }
        state = newState
    }

    /// Runs `update(parameter, gradient, state)` for each parameter with a gradient, after
    /// advancing that parameter's step count, outside the graph. Kernels read and write the
    /// tensors' storage directly (``Tensor/elements``).
    func forEachParameterWithGradient(
        _ update: (Tensor<Scalar>, Tensor<Scalar>, inout ParameterState<Scalar>) -> Void
    ) {
        withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                precondition(g.shape == p.shape, "optimizer: gradient shape \(g.shape) differs from parameter shape \(p.shape)")
                state[i].step += 1
                update(p, g, &state[i])
            }
        }
    }
}

extension Tensor {
    /// The storage for in-place element loops (optimizers, clipping).
    var elements: UnsafeMutablePointer<Scalar> { storage.pointer }
}

/// `x`, or 0 where `flush` is set and `x` is subnormal (|x| below the smallest normal magnitude).
///
/// Optimizers pass `flush = Scalar.self == Float.self` for their running averages (Adam's
/// moments, momentum buffers, RMSprop's averages): a running average of a gradient that stays 0
/// decays geometrically into the subnormals and, because `0.9 · m` rounds back to `m` for the
/// few smallest subnormals, stays there for the rest of training, making every step do
/// subnormal arithmetic (slow on many x86 CPUs). The flushed values are below 1.2e-38, far
/// below what can move a parameter. `Double` runs keep IEEE semantics (Docs/Performance.md).
@inline(__always)
func flushSubnormal<Scalar: TensorScalar>(_ x: Scalar, _ flush: Bool) -> Scalar {
    flush && x.magnitude < Scalar.leastNormalMagnitude ? 0 : x
}

/// An exponential moving average of a model's parameters (Polyak averaging), as diffusion models
/// and GANs sample from: after each optimizer step, ``update()`` sets every average
/// `θ̄ ← d·θ̄ + (1 − d)·θ` with `d = min(decay, (1 + n) / (10 + n))` at the `n`-th update (the
/// warm-up of TensorFlow's `ExponentialMovingAverage(num_updates:)`, so early averages do not
/// remember the random initialisation for long).
///
/// The averages are plain tensors outside the graph; ``withAverages(_:)`` puts them into the
/// parameters for a while (to sample or save) and restores the trained values afterwards.
public final class ExponentialMovingAverage<Scalar: TensorScalar> {
    /// The decay `d` once warmed up (0.999: an average over roughly the last 1 000 steps).
    public let decay: Double
    /// How many times ``update()`` has run.
    public private(set) var updateCount = 0
    /// The averaged parameters.
    public let parameters: [Tensor<Scalar>]
    /// The averages, one per parameter, starting at the parameters' values.
    public let averages: [Tensor<Scalar>]

    /// Starts averaging `parameters`: the tensors an optimizer updates in place, and any buffers
    /// that should follow them (BatchNorm's running statistics, as timm's `ModelEma` does).
    ///
    /// - Precondition: `decay` is in [0, 1).
    public init(_ parameters: [Tensor<Scalar>], decay: Double = 0.999) {
        precondition(decay >= 0 && decay < 1, "ExponentialMovingAverage: decay \(decay) outside [0, 1)")
        self.decay = decay
        self.parameters = parameters
        averages = parameters.map { parameter in
            let copy = Tensor<Scalar>.zeros(parameter.shape)
            copy.assign(parameter.detached())
            return copy
        }
    }

    /// The decay the next ``update()`` uses: `min(decay, (1 + n) / (10 + n))`.
    public var currentDecay: Double { Swift.min(decay, Double(1 + updateCount) / Double(10 + updateCount)) }

    /// Moves every average towards its parameter's current value.
    public func update() {
        let d = Scalar(currentDecay), keep = 1 - d
        for (average, parameter) in zip(averages, parameters) {
            parameter.withUnsafeBufferPointer { source in
                average.withUnsafeMutableBufferPointer { target in
                    for i in target.indices { target[i] = d * target[i] + keep * source[i] }
                }
            }
        }
        updateCount += 1
    }

    /// Runs `body` with the averages in the parameters, then puts the trained values back.
    public func withAverages<R>(_ body: () throws -> R) rethrows -> R {
        let trained = parameters.map { parameter in
            let copy = Tensor<Scalar>.zeros(parameter.shape)
            copy.assign(parameter.detached())
            return copy
        }
        for (parameter, average) in zip(parameters, averages) { parameter.assign(average) }
        defer { for (parameter, value) in zip(parameters, trained) { parameter.assign(value) } }
        return try body()
    }

    /// The state as named tensors, for checkpoints: `<i>` holds the average of parameter `i`
    /// and `n_averaged` (a scalar tensor, as in `torch.optim.swa_utils.AveragedModel`) the
    /// number of updates so far, which sets the warm-up decay.
    public func stateDict() -> [(name: String, tensor: Tensor<Scalar>)] {
        averages.enumerated().map { (String($0.offset), $0.element) } + [("n_averaged", Tensor(Scalar(updateCount)))]
    }

    /// Restores state saved by ``stateDict()``: every average and the update count.
    ///
    /// - Throws: ``StateDictError`` for a missing or unexpected entry, a shape that differs from
    ///   its parameter's, or an update count that is not a non-negative integer; the state is
    ///   then left unchanged.
    public func loadStateDict(_ entries: [String: Tensor<Scalar>]) throws {
        for name in entries.keys where name != "n_averaged" && (Int(name).map { !averages.indices.contains($0) } ?? true) {
            throw StateDictError.unexpected(name: name)
        }
        guard let count = entries["n_averaged"] else { throw StateDictError.missing(name: "n_averaged") }
        guard count.count == 1 else { throw StateDictError.shapeMismatch(name: "n_averaged", expected: [], found: count.shape) }
        guard let updates = Int(exactly: count.scalars[0]), updates >= 0 else {
            throw StateDictError.invalidValue(name: "n_averaged", expected: "a non-negative integer update count")
        }
        for (i, average) in averages.enumerated() {
            guard let value = entries[String(i)] else { throw StateDictError.missing(name: String(i)) }
            guard value.shape == average.shape else {
                throw StateDictError.shapeMismatch(name: String(i), expected: average.shape, found: value.shape)
            }
        }
        for (i, average) in averages.enumerated() { average.assign(entries[String(i)]!) }
        updateCount = updates
    }
}

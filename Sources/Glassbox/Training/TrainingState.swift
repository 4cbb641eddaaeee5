/// Everything a training run must save to resume exactly: modules, optimizers, schedulers,
/// moving averages, random streams, data orders and counters, each under a name.
///
/// A ``TrainingTask`` lists its state once; ``Checkpoint/save(_:to:)`` writes it and
/// ``Checkpoint/load(into:from:)`` reads it back. Tensors are stored as `NAME.<entry>` (a module
/// named `model` writes `model.0.weight`, …), scalars as metadata entries `NAME` (a random
/// stream as `seed,counter`, a scheduler as its `lastEpoch`, a counter as an integer). A data
/// order is stored as a tensor of its indices (exact below 2²⁴ samples for `Float`).
public struct TrainingState<Scalar: TensorScalar> {
    /// One named piece of state.
    public enum Part {
        /// A module's ``Module/stateDict()``.
        case module(any Module<Scalar>)
        /// An optimizer's ``Optimizer/stateDict()``.
        case optimizer(any Optimizer<Scalar>)
        /// An exponential moving average's ``ExponentialMovingAverage/stateDict()``.
        case average(ExponentialMovingAverage<Scalar>)
        /// A learning-rate schedule's position (restoring it also sets its optimizer's rate).
        case scheduler(any LRScheduler)
        /// A random stream the task owns, read and written through the closures.
        case random(get: () -> RandomGenerator, set: (RandomGenerator) -> Void)
        /// A permutation or other list of indices (a data order that carries over epochs).
        case indices(get: () -> [Int], set: ([Int]) -> Void)
        /// An integer counter (steps since the last generator step, …).
        case counter(get: () -> Int, set: (Int) -> Void)
    }

    /// The parts, in save order (optimizers before their schedulers).
    public var parts: [(name: String, part: Part)]

    /// Creates a state from named parts.
    public init(_ parts: [(name: String, part: Part)] = []) {
        self.parts = parts
    }

    /// Adds a part.
    public mutating func append(_ name: String, _ part: Part) {
        parts.append((name, part))
    }
}

extension TrainingState {
    /// The tensors and metadata entries of the state's current values.
    func snapshot() -> (tensors: [(String, Tensor<Scalar>)], metadata: [String: String]) {
        var tensors: [(String, Tensor<Scalar>)] = []
        var metadata: [String: String] = [:]
        for (name, part) in parts {
            switch part {
            case .module(let module): tensors += module.stateDict().map { (name + "." + $0.name, $0.tensor) }
            case .optimizer(let optimizer): tensors += optimizer.stateDict().map { (name + "." + $0.name, $0.tensor) }
            case .average(let average): tensors += average.stateDict().map { (name + "." + $0.name, $0.tensor) }
            case .scheduler(let scheduler): metadata[name] = String(scheduler.lastEpoch)
            case .random(let get, _):
                let generator = get()
                metadata[name] = "\(generator.seed),\(generator.counter)"
            case .indices(let get, _):
                let values = get()
                tensors.append((name, Tensor(values.map { Scalar($0) }, shape: [values.count])))
            case .counter(let get, _): metadata[name] = String(get())
            }
        }
        return (tensors, metadata)
    }

    /// Restores every part from a checkpoint's tensors and metadata; `path` names the file in
    /// errors. Every entry is checked before anything changes except module, optimizer and
    /// average state, which check their own entries.
    ///
    /// - Throws: ``StateDictError`` for a tensor that fits no part or a part's bad entry,
    ///   ``CheckpointError/badMetadata(path:)`` for a missing or malformed scalar entry.
    func restore(tensors: [String: Tensor<Scalar>], metadata: [String: String], path: String) throws {
        var groups: [String: [String: Tensor<Scalar>]] = [:]
        let tensorParts = parts.filter {
            switch $0.part {
            case .module, .optimizer, .average: true
            default: false
            }
        }.map(\.name)
        for (key, tensor) in tensors {
            if parts.contains(where: { $0.name == key }) { continue }
            guard let owner = tensorParts.filter({ key.hasPrefix($0 + ".") }).max(by: { $0.count < $1.count }) else {
                throw StateDictError.unexpected(name: key)
            }
            groups[owner, default: [:]][String(key.dropFirst(owner.count + 1))] = tensor
        }
        func integer(_ name: String) throws -> Int {
            guard let value = metadata[name].flatMap(Int.init) else { throw CheckpointError.badMetadata(path: path) }
            return value
        }
        for (name, part) in parts {
            switch part {
            case .module(let module): try module.loadStateDict(groups[name] ?? [:])
            case .optimizer(let optimizer): try optimizer.loadStateDict(groups[name] ?? [:])
            case .average(let average): try average.loadStateDict(groups[name] ?? [:])
            case .scheduler(let scheduler):
                scheduler.lastEpoch = try integer(name)
                scheduler.optimizer.learningRate = scheduler.learningRate(atEpoch: scheduler.lastEpoch)
            case .random(_, let set):
                let fields = (metadata[name] ?? "").split(separator: ",").compactMap { UInt64($0) }
                guard fields.count == 2 else { throw CheckpointError.badMetadata(path: path) }
                set(RandomGenerator(seed: fields[0], counter: fields[1]))
            case .indices(_, let set):
                guard let tensor = tensors[name], tensor.rank == 1 else { throw StateDictError.missing(name: name) }
                let values = tensor.scalars.map { Int($0) }
                guard values.allSatisfy({ $0 >= 0 }) else {
                    throw StateDictError.invalidValue(name: name, expected: "non-negative indices")
                }
                set(values)
            case .counter(_, let set): set(try integer(name))
            }
        }
    }
}

extension TrainingState {
    /// Adds, as random-stream parts named `name.<module path>.generator`, the own generator of
    /// every ``Dropout`` layer inside `module` that has one (``GPT``'s dropouts do), so that a
    /// resumed run draws the same masks.
    public mutating func appendDropoutGenerators(of module: any Module<Scalar>, name: String) {
        if let layer = module as? Dropout<Scalar>, layer.generator != nil {
            append(name + ".generator", .random(get: { layer.generator! }, set: { layer.generator = $0 }))
        }
        for child in module.children {
            appendDropoutGenerators(of: child.module, name: name + "." + child.name)
        }
    }
}

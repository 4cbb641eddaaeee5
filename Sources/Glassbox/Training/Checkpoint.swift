import GlassboxIO

/// A training checkpoint: a model's state dict, its optimizer's state, the position in the run
/// and the default random generator's state, in one safetensors file.
///
/// The file `DIR/checkpoint.safetensors` holds `model.<name>` for each ``Module/stateDict()``
/// entry, `optimizer.<name>` for each ``Optimizer/stateDict()`` entry, and string metadata:
/// `average.<name>` for each ``ExponentialMovingAverage/stateDict()`` entry when the run keeps
/// one, and string metadata:
/// `format` (`glassbox-checkpoint-1`), `epoch` (epochs completed), `rng_seed` and
/// `rng_counter` (``RandomGenerator/defaultState``), plus whatever the caller adds (the model's
/// name, its settings, the metrics so far).
///
/// One file, written atomically (a temporary file in the same directory, then `rename(2)`):
/// a save interrupted at any moment leaves the previous checkpoint whole, and model and
/// optimizer state can never come from different saves. The temporary file of a save whose
/// process was killed is removed by the next save (``FileIO/removeStaleTemporaryFiles(ofPath:)``).
public struct Checkpoint {
    /// The file name inside a checkpoint directory.
    public static let fileName = "checkpoint.safetensors"
    /// The value of the `format` metadata entry.
    public static let format = "glassbox-checkpoint-1"

    /// The number of epochs completed when the checkpoint was saved.
    public var epoch: Int
    /// The default generator's state at the time of the save.
    public var randomState: RandomGenerator
    /// The caller's metadata (without the entries this type manages).
    public var metadata: [String: String]

    /// Creates a checkpoint description.
    public init(epoch: Int, randomState: RandomGenerator = RandomGenerator.defaultState, metadata: [String: String] = [:]) {
        self.epoch = epoch
        self.randomState = randomState
        self.metadata = metadata
    }

    /// The path of the checkpoint file inside `directory`.
    public static func path(in directory: String) -> String {
        directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
    }

    /// Whether `directory` holds a checkpoint file.
    public static func exists(in directory: String) -> Bool {
        FileIO.exists(atPath: path(in: directory))
    }

    /// Writes `model`'s, `optimizer`'s and `average`'s state with this checkpoint's metadata to
    /// `directory/checkpoint.safetensors` (creating `directory` if needed), atomically.
    ///
    /// - Throws: a ``FileError`` naming the path when the directory cannot be created or the
    ///   file cannot be written; the previous checkpoint, if any, is then left untouched.
    public func save<Model: Module>(
        model: Model, optimizer: (any Optimizer<Model.Scalar>)?, average: ExponentialMovingAverage<Model.Scalar>? = nil,
        to directory: String
    ) throws {
        var state = TrainingState<Model.Scalar>([("model", .module(model))])
        if let optimizer { state.append("optimizer", .optimizer(optimizer)) }
        if let average { state.append("average", .average(average)) }
        try save(state, to: directory)
    }

    /// Writes every part of `state` with this checkpoint's metadata to
    /// `directory/checkpoint.safetensors` (creating `directory` if needed), atomically.
    ///
    /// - Throws: a ``FileError`` naming the path when the directory cannot be created or the
    ///   file cannot be written; the previous checkpoint, if any, is then left untouched.
    public func save<Scalar>(_ state: TrainingState<Scalar>, to directory: String) throws {
        try FileIO.createDirectory(atPath: directory)
        let snapshot = state.snapshot()
        var entries = metadata.merging(snapshot.metadata) { _, part in part }
        entries["format"] = Checkpoint.format
        entries["epoch"] = String(epoch)
        entries["rng_seed"] = String(randomState.seed)
        entries["rng_counter"] = String(randomState.counter)
        try Tensor<Scalar>.saveSafeTensors(snapshot.tensors, to: Checkpoint.path(in: directory), metadata: entries)
    }

    /// Reads the checkpoint in `directory` into every part of `state` and returns its
    /// description (its metadata keeps the state's scalar entries). The default generator is
    /// not changed; call ``restoreRandomState()`` to resume a run exactly.
    ///
    /// - Throws: a ``FileError``/``SafeTensorsError`` for a missing or malformed file,
    ///   ``CheckpointError`` when the file is not a Glassbox checkpoint or lacks an entry, and
    ///   ``StateDictError`` naming an entry that does not fit a part.
    public static func load<Scalar>(into state: TrainingState<Scalar>, from directory: String) throws -> Checkpoint {
        let path = Checkpoint.path(in: directory)
        let file = try SafeTensors(contentsOf: path)
        let checkpoint = try describe(file, path: path)
        var tensors: [String: Tensor<Scalar>] = [:]
        for (name, array) in file.tensors { tensors[name] = Tensor(array) }
        try state.restore(tensors: tensors, metadata: file.metadata, path: path)
        return checkpoint
    }

    /// The description of a checkpoint file: its epoch, random state and caller metadata.
    private static func describe(_ file: SafeTensors, path: String) throws -> Checkpoint {
        guard file.metadata["format"] == Checkpoint.format else {
            throw CheckpointError.notACheckpoint(path: path)
        }
        guard let epoch = file.metadata["epoch"].flatMap(Int.init),
            let seed = file.metadata["rng_seed"].flatMap(UInt64.init),
            let counter = file.metadata["rng_counter"].flatMap(UInt64.init)
        else { throw CheckpointError.badMetadata(path: path) }
        var metadata = file.metadata
        for key in ["format", "epoch", "rng_seed", "rng_counter"] { metadata[key] = nil }
        return Checkpoint(epoch: epoch, randomState: RandomGenerator(seed: seed, counter: counter), metadata: metadata)
    }

    /// Reads the checkpoint in `directory` into `model` (and `optimizer` and `average`, when
    /// given) in place and returns its description. The default generator is not changed; call
    /// ``restoreRandomState()`` to resume a run exactly.
    ///
    /// - Throws: a ``FileError``/``SafeTensorsError`` for a missing or malformed file,
    ///   ``CheckpointError`` when the file is not a Glassbox checkpoint, and ``StateDictError``
    ///   naming an entry that does not fit the model, optimizer or average (or an average asked
    ///   for that the file lacks).
    public static func load<Model: Module>(
        into model: Model, optimizer: (any Optimizer<Model.Scalar>)? = nil, average: ExponentialMovingAverage<Model.Scalar>? = nil,
        from directory: String
    ) throws -> Checkpoint {
        let path = Checkpoint.path(in: directory)
        let file = try SafeTensors(contentsOf: path)
        let checkpoint = try describe(file, path: path)
        var modelEntries: [String: Tensor<Model.Scalar>] = [:]
        var optimizerEntries: [String: Tensor<Model.Scalar>] = [:]
        var averageEntries: [String: Tensor<Model.Scalar>] = [:]
        for (name, array) in file.tensors {
            if name.hasPrefix("model.") {
                modelEntries[String(name.dropFirst(6))] = Tensor(array)
            } else if name.hasPrefix("optimizer.") {
                optimizerEntries[String(name.dropFirst(10))] = Tensor(array)
            } else if name.hasPrefix("average.") {
                averageEntries[String(name.dropFirst(8))] = Tensor(array)
            } else {
                throw StateDictError.unexpected(name: name)
            }
        }
        try model.loadStateDict(modelEntries)
        if let optimizer { try optimizer.loadStateDict(optimizerEntries) }
        if let average { try average.loadStateDict(averageEntries) }
        return checkpoint
    }

    /// Reads only the metadata of the checkpoint in `directory` (to learn which model to build).
    public static func metadata(in directory: String) throws -> [String: String] {
        let path = Checkpoint.path(in: directory)
        let file = try SafeTensors(contentsOf: path)
        guard file.metadata["format"] == Checkpoint.format else { throw CheckpointError.notACheckpoint(path: path) }
        return file.metadata
    }

    /// Makes the default generator continue from this checkpoint's state.
    public func restoreRandomState() {
        RandomGenerator.defaultState = randomState
    }
}

/// Why a checkpoint could not be read.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file is a safetensors file but not a Glassbox checkpoint.
    case notACheckpoint(path: String)
    /// The checkpoint's `epoch` or random-state metadata is missing or malformed.
    case badMetadata(path: String)
    /// The checkpoint belongs to another run: its `key` entry is `found`, the run has `expected`.
    case mismatch(path: String, key: String, expected: String, found: String?)

    /// One line naming the file and the problem.
    public var description: String {
        switch self {
        case .notACheckpoint(let path): "\(path): not a Glassbox checkpoint (no format '\(Checkpoint.format)' in its metadata)"
        case .badMetadata(let path): "\(path): checkpoint metadata lacks a valid epoch, random state or counter"
        case .mismatch(let path, let key, let expected, let found):
            "\(path): a checkpoint of another run: its \(key) is \(found.map { "'\($0)'" } ?? "missing"), this run's is '\(expected)'"
        }
    }
}

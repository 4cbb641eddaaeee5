import GlassboxIO

/// A built character language model, seen through what training and sampling need.
public struct LanguageModelInstance {
    /// The model, for its parameters and saving.
    public let module: any Module<Float>
    /// The logits `[B, T, V]` of ids `[B, T]`.
    public let logits: (IndexTensor) -> Tensor<Float>
    /// Continues a prompt (ids) by `count` tokens; `useCache` is ignored by models without a cache.
    public let generate: (_ prompt: [Int], _ count: Int, _ sampler: TokenSampler, _ useCache: Bool, _ generator: inout RandomGenerator) -> [Int]
}

/// A character language model `glassbox train` trains and `glassbox sample` rebuilds from the
/// architecture and alphabet saved next to its weights.
public struct LanguageModelRecipe: Sendable {
    /// The name given after `train` and `sample`.
    public let name: String
    /// One line of help.
    public let summary: String
    /// Optimizer settings when not given.
    public let defaults: TrainSettings
    /// The architecture's sizes (`--arch KEY=N,...` overrides them), in help order; the
    /// vocabulary size is added from the corpus as `vocab_size`.
    public let architecture: [(key: String, value: Int)]
    /// The training context: the `architecture` key whose value is the window length.
    public let contextKey: String
    /// Whether the model decodes with a key/value cache (sampling reports tokens/s both ways).
    public let hasCache: Bool
    /// The dropout probability when `--dropout` is not given, or `nil` for a model without
    /// dropout (which then rejects the option).
    public var dropout: Double? = nil
    /// Builds the model from the architecture sizes (with `vocab_size`) and the dropout
    /// probability (0 for a model without dropout).
    public let make: @Sendable (_ sizes: [String: Int], _ dropout: Double, _ generator: inout RandomGenerator) -> LanguageModelInstance
}

/// The character language models, in help order.
public let languageModels: [LanguageModelRecipe] = [
    LanguageModelRecipe(
        name: "charlm",
        summary: "a character LSTM: Embedding(64)-LSTM(512)-Linear, context 64, Adam, warm-up + cosine LR",
        defaults: TrainSettings(epochs: 1, batchSize: 32, learningRate: 0.002, seed: 0),
        architecture: [("embedding_dim", 64), ("hidden_size", 512), ("num_layers", 1), ("context", 64)],
        contextKey: "context", hasCache: false,
        make: { sizes, _, generator in
            let model = CharLSTM<Float>(
                vocabSize: sizes["vocab_size"]!, embeddingDim: sizes["embedding_dim"]!, hiddenSize: sizes["hidden_size"]!,
                numLayers: sizes["num_layers"]!, generator: &generator)
            return LanguageModelInstance(
                module: model, logits: { model($0) },
                generate: { prompt, count, sampler, _, generator in
                    model.generate(prompt, count: count, sampler: sampler, generator: &generator)
                })
        }),
    LanguageModelRecipe(
        name: "gpt",
        summary: "a character GPT: 4 pre-norm blocks (d 128, 4 heads, context 64, dropout 0.1), Adam, warm-up + cosine LR",
        defaults: TrainSettings(epochs: 1, batchSize: 32, learningRate: 0.002, seed: 0),
        architecture: [("n_layer", 4), ("n_head", 4), ("n_embd", 128), ("block_size", 64)],
        contextKey: "block_size", hasCache: true, dropout: 0.1,
        make: { sizes, dropout, generator in
            let config = GPTConfig(
                vocabSize: sizes["vocab_size"]!, blockSize: sizes["block_size"]!, nLayer: sizes["n_layer"]!,
                nHead: sizes["n_head"]!, nEmbd: sizes["n_embd"]!, dropout: dropout)
            let model = GPT<Float>(config, generator: &generator)
            return LanguageModelInstance(
                module: model, logits: { model($0) },
                generate: { prompt, count, sampler, useCache, generator in
                    model.generate(prompt, count: count, sampler: sampler, useCache: useCache, generator: &generator)
                })
        }),
]

extension LanguageModelRecipe {
    /// The architecture sizes with the overrides of `--arch KEY=N,...` applied.
    public func sizes(overriding arch: String?, command: String) throws -> [String: Int] {
        var sizes = Dictionary(uniqueKeysWithValues: architecture.map { ($0.key, $0.value) })
        guard let arch else { return sizes }
        for item in arch.split(separator: ",") {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, sizes[String(parts[0])] != nil, let value = Int(parts[1]), value > 0 else {
                throw TrainingSetupError.usage(
                    "\(command): --arch expects KEY=N,... with N > 0 and KEY one of \(architecture.map(\.key).joined(separator: ", ")), got '\(item)'")
            }
            sizes[String(parts[0])] = value
        }
        if name == "gpt", sizes["n_embd"]! % sizes["n_head"]! != 0 {
            throw TrainingSetupError.usage("\(command): n_embd \(sizes["n_embd"]!) is not a multiple of n_head \(sizes["n_head"]!)")
        }
        return sizes
    }

    /// The file next to the weights that describes the model: name, sizes and alphabet.
    public static func descriptionPath(in directory: String) -> String { directory + "/" + descriptionFile }

    /// The name of the file that describes the model, next to its weights.
    public static let descriptionFile = "model.json"

    /// Writes the weights (`model.safetensors`) and description (`model.json`) into `directory`.
    public func save(_ instance: LanguageModelInstance, sizes: [String: Int], alphabet: [UInt8], to directory: String) throws {
        try instance.module.save(to: directory + "/model.safetensors", metadata: ["model": name])
        let description = JSONObject([
            ("model", .string(name)),
            ("sizes", .object(JSONObject(sizes.keys.sorted().map { ($0, .integer(sizes[$0]!)) }))),
            ("alphabet", .array(alphabet.map { .integer(Int($0)) })),
        ])
        try FileIO.writeAtomically(Array((JSONValue.object(description).serialized() + "\n").utf8), toPath: Self.descriptionPath(in: directory))
    }

    /// Rebuilds the model saved in `directory` by ``save(_:sizes:alphabet:to:)`` and loads its
    /// weights; returns it with its alphabet.
    public func load(from directory: String, command: String) throws -> (instance: LanguageModelInstance, alphabet: [UInt8]) {
        let path = Self.descriptionPath(in: directory)
        let json = try setupFailing(command) { try JSONValue(parsing: FileIO.readBytes(atPath: path)) }
        guard json["model"]?.stringValue == name else {
            throw TrainingSetupError.failure("\(command): '\(path)' describes model '\(json["model"]?.stringValue ?? "?")', not '\(name)'")
        }
        var sizes: [String: Int] = [:]
        for key in architecture.map(\.key) + ["vocab_size"] {
            guard let value = json["sizes"]?[key]?.integerValue, value > 0 else {
                throw TrainingSetupError.failure("\(command): '\(path)' lacks the size '\(key)'")
            }
            sizes[key] = value
        }
        let alphabet = (json["alphabet"]?.arrayValue ?? []).compactMap { $0.integerValue.flatMap(UInt8.init(exactly:)) }
        guard alphabet.count == sizes["vocab_size"] else {
            throw TrainingSetupError.failure("\(command): '\(path)': the alphabet does not have vocab_size \(sizes["vocab_size"]!) characters")
        }
        var generator = RandomGenerator(seed: 0)
        let instance = make(sizes, 0, &generator)
        try setupFailing(command) { try instance.module.load(from: directory + "/model.safetensors") }
        return (instance, alphabet)
    }
}

extension LanguageModelInstance {
    /// `count` characters continuing `prompt`, drawn with `sampler` from a generator seeded
    /// with `seed` (through the key/value cache when `useCache` and the model has one), or `nil`
    /// when the prompt holds a character outside `alphabet`.
    public func continueText(
        _ prompt: String, alphabet: CharacterAlphabet, count: Int, sampler: TokenSampler, useCache: Bool, seed: UInt64
    ) -> String? {
        guard let ids = alphabet.encode(prompt) else { return nil }
        var generator = RandomGenerator(seed: seed)
        return alphabet.decode(generate(ids, count, sampler, useCache, &generator))
    }
}

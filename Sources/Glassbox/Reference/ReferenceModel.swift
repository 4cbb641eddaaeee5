/// One value of a reference case's inputs file: a floating-point tensor in the computation's
/// dtype, or class indices (an integer tensor, e.g. `target` of `CrossEntropyLoss`).
public enum ReferenceValue<Scalar: TensorScalar> {
    /// A floating-point input (differentiated: the output file gets `grad.<name>`).
    case floating(Tensor<Scalar>)
    /// An integer input, as class indices.
    case indices(IndexTensor)
    /// An attention mask (not differentiated): a boolean mask as 0/1 values (`boolean`, where 1
    /// hides), or an additive float mask.
    case mask(Tensor<Scalar>, boolean: Bool)

    /// The shape of the value.
    public var shape: [Int] {
        switch self {
        case .floating(let tensor): tensor.shape
        case .indices(let indices): indices.shape
        case .mask(let tensor, _): tensor.shape
        }
    }
}

/// A module built from a reference case, ready to run: its `state_dict` entries, the inputs it
/// consumes and its forward function. ``ReferenceRegistry`` builds one per case.
public struct ReferenceModel<Scalar: TensorScalar> {
    /// The parameters by `state_dict` name (differentiated: the output gets `grad.<name>`).
    public var parameters: [(name: String, tensor: Tensor<Scalar>)]
    /// The required buffers by `state_dict` name (not differentiated).
    public var buffers: [(name: String, tensor: Tensor<Scalar>)]
    /// Buffers that PyTorch stores as integers (BatchNorm's `num_batches_tracked`): the weights
    /// file may hold them in an integer dtype (converted), and they are not written as
    /// `state.<name>`.
    public var integerBuffers: Set<String>
    /// `state_dict` entries that may be present or not, such as a loss's class `weight` or
    /// `pos_weight` (PyTorch registers them only when given); their shape is checked by
    /// ``forward``.
    public var optionalBuffers: [String]
    /// The inputs consumed, in order (`["input"]`, `["input", "target"]`); all required.
    public var inputNames: [String]
    /// Inputs that may be present or not (a recurrent module's `h0`, `c0`, `lengths`).
    public var optionalInputNames: [String]
    /// The inputs that may hold class indices (an integer dtype) instead of floats.
    public var indexInputs: Set<String>
    /// The inputs that are attention masks (BOOL, or the computation's float dtype), passed as
    /// ``ReferenceValue/mask(_:boolean:)`` and not differentiated.
    public var maskInputs: Set<String> = []
    /// Runs the module on the inputs (by name) with the optional buffers that the weights file
    /// supplied: the named outputs, `output` first (then `h_n`, `c_n` for recurrent modules).
    /// Throws ``ReferenceError`` for inputs of the wrong shape.
    public var forward: (_ inputs: [String: ReferenceValue<Scalar>], _ optionalBuffers: [String: Tensor<Scalar>]) throws
        -> [(name: String, tensor: Tensor<Scalar>)]

    /// Creates a model from its parts.
    public init(
        parameters: [(name: String, tensor: Tensor<Scalar>)] = [],
        buffers: [(name: String, tensor: Tensor<Scalar>)] = [], integerBuffers: Set<String> = [],
        optionalBuffers: [String] = [], inputNames: [String], indexInputs: Set<String> = [],
        forward: @escaping ([String: ReferenceValue<Scalar>], [String: Tensor<Scalar>]) throws -> Tensor<Scalar>
    ) {
        self.parameters = parameters
        self.buffers = buffers
        self.integerBuffers = integerBuffers
        self.optionalBuffers = optionalBuffers
        self.inputNames = inputNames
        self.optionalInputNames = []
        self.indexInputs = indexInputs
        self.forward = { inputs, buffers in [("output", try forward(inputs, buffers))] }
    }

    /// Creates a model with optional inputs and several named outputs (`output` first).
    public init(
        parameters: [(name: String, tensor: Tensor<Scalar>)], inputNames: [String], optionalInputNames: [String],
        indexInputs: Set<String> = [], maskInputs: Set<String> = [],
        outputs: @escaping ([String: ReferenceValue<Scalar>], [String: Tensor<Scalar>]) throws -> [(name: String, tensor: Tensor<Scalar>)]
    ) {
        self.parameters = parameters
        self.buffers = []
        self.integerBuffers = []
        self.optionalBuffers = []
        self.inputNames = inputNames
        self.optionalInputNames = optionalInputNames
        self.indexInputs = indexInputs
        self.maskInputs = maskInputs
        self.forward = outputs
    }

    /// A layer taking one floating-point `input`: its parameters and buffers come from the
    /// module's ``Module/namedParameters()`` and ``Module/namedBuffers()`` (`integerBuffers`
    /// names those PyTorch stores as integers); training mode is set to `train`. `check`
    /// validates the input shape before the forward pass.
    public static func layer(
        _ module: any Layer<Scalar>, train: Bool, integerBuffers: Set<String> = [],
        check: @escaping ([Int]) throws -> Void = { _ in }
    ) -> ReferenceModel {
        module.train(train)
        return ReferenceModel(
            parameters: module.namedParameters(), buffers: module.namedBuffers(), integerBuffers: integerBuffers,
            inputNames: ["input"]
        ) { inputs, _ in
            guard case .floating(let input)? = inputs["input"] else { throw ReferenceError.missingInput("input") }
            try check(input.shape)
            return module(input)
        }
    }
}

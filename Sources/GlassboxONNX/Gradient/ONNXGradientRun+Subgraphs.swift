import Glassbox
import GlassboxIO

// Subgraphs in a differentiable run: a call of a model-local function and an `If` whose
// branch reads a differentiated value run their bodies node by node in the differentiable
// executor, so the gradient flows through them; the other subgraph ops (Loop, Scan,
// SequenceMap, …) stop with an error when they read a differentiated value, instead of dropping
// its gradient.

/// The names a graph reads from enclosing scopes: node inputs (its subgraphs' included) that
/// neither the graph's inputs, initializers nor earlier nodes define.
func outerNames(_ graph: ONNXGraph) -> Set<String> {
    var defined = Set(graph.inputs.map(\.name)).union(graph.initializers.map(\.name))
    var outer: Set<String> = []
    for node in graph.nodes {
        for name in node.inputs where !name.isEmpty && !defined.contains(name) { outer.insert(name) }
        for attribute in node.attributes {
            for sub in (attribute.graph.map { [$0] } ?? []) + attribute.graphs {
                outer.formUnion(outerNames(sub).subtracting(defined))
            }
        }
        defined.formUnion(node.outputs)
    }
    return outer
}

extension ONNXGradientRun {
    /// Whether a subgraph attribute of `node` reads a value that depends on a leaf.
    func subgraphsReadDifferentiated(_ node: ONNXNode, values: [String: GradientValue<Scalar>]) throws -> Bool {
        for attribute in node.attributes {
            for graph in (attribute.graph.map { [$0] } ?? []) + attribute.graphs {
                if outerNames(graph).contains(where: { values[$0]?.requiresGrad ?? false }) { return true }
            }
        }
        return false
    }

    /// `If`: the condition on the plain executor, then the chosen branch node by node, with the
    /// enclosing values in scope.
    func runIf(_ node: ONNXNode, _ ctx: ONNXNodeContext, values: inout [String: GradientValue<Scalar>], opsets: [String: Int]) throws {
        let condition = try ctx.input(0)
        guard condition.count == 1 else { throw ctx.fail("condition must have one element, has \(condition.count)") }
        let name = condition.ints[0] != 0 ? "then_branch" : "else_branch"
        guard let branch = ctx.attribute(name)?.graph else { throw ctx.fail("\(name) is missing") }
        var scope = values
        for t in branch.initializers { scope[t.name] = .plain(.tensor(try ONNXTensor(proto: t, directory: session.directory))) }
        for inner in branch.nodes { try execute(inner, values: &scope, opsets: opsets) }
        guard branch.outputs.count == node.outputs.count else {
            throw ctx.fail("\(name) has \(branch.outputs.count) outputs, the node \(node.outputs.count)")
        }
        for (info, name) in zip(branch.outputs, node.outputs) where !name.isEmpty {
            guard let value = scope[info.name] else { throw ctx.fail("branch output '\(info.name)' was not computed") }
            values[name] = value
        }
    }

    /// A model-local function expanded at its call site: formal inputs bound to the actual ones,
    /// attribute references to the caller's attributes, the function's own opset imports.
    func callFunction(
        _ function: ONNXFunction, node: ONNXNode, inputs: [GradientValue<Scalar>?], values: inout [String: GradientValue<Scalar>],
        opsets: [String: Int]
    ) throws {
        var scope: [String: GradientValue<Scalar>] = [:]
        for (formal, actual) in zip(function.inputs, inputs) { if let actual { scope[formal] = actual } }
        let (body, functionOpsets) = ONNXSession.expandedBody(function, node: node, opsets: opsets)
        for n in body { try execute(n, values: &scope, opsets: functionOpsets) }
        for (formal, name) in zip(function.outputs, node.outputs) where !name.isEmpty {
            if let value = scope[formal] { values[name] = value }
        }
    }
}

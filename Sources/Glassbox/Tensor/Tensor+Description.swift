import GlassboxKernels

extension Tensor: CustomStringConvertible {
    /// The elements in PyTorch's style, e.g. `tensor([[1.0000, 2.0000], …], requires_grad=True)`.
    public var description: String {
        let values = scalars
        let fmt: (Scalar) -> String = { v in
            if v.isNaN { return "nan" }
            if v.isInfinite { return v < 0 ? "-inf" : "inf" }
            let d = Double(v)
            var s = String(Int64((Swift.abs(d) * 10000).rounded()))
            while s.count < 5 { s = "0" + s }
            let sign = d < 0 && s != "00000" ? "-" : ""
            return sign + s.dropLast(4) + "." + s.suffix(4)
        }
        func render(_ dim: Int, _ offset: Int, _ indent: String) -> String {
            if dim == shape.count { return fmt(values[offset]) }
            let stride = shape[(dim + 1)...].reduce(1, *)
            let limit = 6
            var parts: [String] = []
            let n = shape[dim]
            let shown: [Int?] = n > limit ? Array(0..<3) + [nil] + Array((n - 3)..<n) : Array(0..<n)
            for i in shown {
                if let i {
                    parts.append(render(dim + 1, offset + i * stride, indent + " "))
                } else {
                    parts.append("...")
                }
            }
            let separator = dim == shape.count - 1 ? ", " : ",\n" + indent + " "
            return "[" + parts.joined(separator: separator) + "]"
        }
        var body = render(0, 0, String(repeating: " ", count: 7))
        if count == 0 { body = "[]" }
        var suffix = ""
        if Scalar.self == Double.self { suffix += ", dtype=torch.float64" }
        if let node = gradNode {
            suffix += ", grad_fn=<\(node.op.rawValue)>"
        } else if requiresGrad {
            suffix += ", requires_grad=True"
        }
        return "tensor(\(body)\(suffix))"
    }
}

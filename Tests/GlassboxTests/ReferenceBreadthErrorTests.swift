import Testing
import Glassbox
import GlassboxIO

/// One-line errors of the registry entries for the normalisation, resampling and shape layers
/// (BatchNorm3d, InstanceNorm*, RMSNorm, LocalResponseNorm, Upsample*, PixelShuffle, …, Fold).
@Suite("Reference errors: normalisation, resampling, shape layers")
struct ReferenceBreadthErrorTests {
    private func run(_ module: String, _ args: [(String, JSONValue)], shape: [Int], weights: [(String, [Int])] = []) -> ReferenceError? {
        let count = shape.reduce(1, *)
        let input = SafeTensors(tensors: [("input", ArrayData(doubles: (0..<count).map { Double($0 % 7) - 3 }, shape: shape))])
        let w = SafeTensors(tensors: weights.map { ($0.0, ArrayData(doubles: [Double](repeating: 1, count: $0.1.reduce(1, *)), shape: $0.1)) })
        do {
            _ = try ReferenceRunner.run(ReferenceCase(module: module, args: JSONObject(args)), weights: w, inputs: input)
            return nil
        } catch let error as ReferenceError {
            return error
        } catch {
            return .unsupported("\(error)")
        }
    }

    @Test("valid cases run; bad arguments and inputs name the argument or input")
    func errors() {
        #expect(run("InstanceNorm2d", [("num_features", .integer(2))], shape: [2, 2, 3, 3]) == nil)
        #expect(run("InstanceNorm1d", [("num_features", .integer(3)), ("affine", .bool(true))], shape: [2, 4, 5],
                    weights: [("weight", [3]), ("bias", [3])])?.description.contains("expected [N, 3, L] or [3, L]") == true)
        #expect(run("InstanceNorm1d", [("num_features", .integer(2))], shape: [2, 2, 1])?.description.contains("more than 1 spatial element") == true)
        #expect(run("InstanceNorm3d", [("num_features", .integer(2)), ("momentum", .string("x"))], shape: [1, 2, 2, 2, 2])
            == .invalidArgument(module: "InstanceNorm3d", name: "momentum", expected: "a finite number or null"))
        #expect(run("BatchNorm3d", [("num_features", .integer(2)), ("affine", .bool(false)), ("track_running_stats", .bool(false))], shape: [2, 2, 3])?
            .description.contains("expected [N, 2, D, H, W]") == true)
        #expect(run("RMSNorm", [("normalized_shape", .integer(4)), ("eps", .string("tiny"))], shape: [2, 4])
            == .invalidArgument(module: "RMSNorm", name: "eps", expected: "a number ≥ 0 or null"))
        #expect(run("RMSNorm", [("normalized_shape", .integer(3)), ("elementwise_affine", .bool(false))], shape: [2, 4])?
            .description.contains("expected [..., 3]") == true)
        #expect(run("LocalResponseNorm", [("size", .integer(0))], shape: [1, 2, 3])
            == .invalidArgument(module: "LocalResponseNorm", name: "size", expected: "positive"))
        #expect(run("LocalResponseNorm", [("size", .integer(2)), ("beta2", .number(1))], shape: [1, 2, 3])
            == .unknownArgument(module: "LocalResponseNorm", name: "beta2"))
        #expect(run("Upsample", [("scale_factor", .integer(2)), ("align_corners", .bool(true))], shape: [1, 1, 2, 2])
            == .invalidArgument(module: "Upsample", name: "align_corners", expected: "null for mode 'nearest'"))
        #expect(run("Upsample", [("size", .array([.integer(3), .integer(4)])), ("mode", .string("trilinear"))], shape: [1, 1, 2, 2, 2])?
            .description.contains("has 3 spatial dimensions") == true)
        #expect(run("Upsample", [("size", .integer(3)), ("recompute_scale_factor", .bool(true))], shape: [1, 1, 2])
            == .invalidArgument(module: "Upsample", name: "recompute_scale_factor", expected: "not true with an explicit size"))
        #expect(run("UpsamplingBilinear2d", [("scale_factor", .integer(2)), ("mode", .string("nearest"))], shape: [1, 1, 2, 2])
            == .unknownArgument(module: "UpsamplingBilinear2d", name: "mode"))
        #expect(run("PixelShuffle", [("upscale_factor", .integer(2))], shape: [1, 6, 2, 2])?.description.contains("expected [*, C·4, H, W]") == true)
        #expect(run("ChannelShuffle", [("groups", .integer(4))], shape: [1, 6, 2])?.description.contains("divisible by 4") == true)
        #expect(run("Unfold", [("kernel_size", .integer(5))], shape: [1, 1, 4, 4])?.description.contains("holds a window") == true)
        #expect(run("Fold", [("output_size", .integer(4)), ("kernel_size", .integer(2))], shape: [1, 4, 8])?
            .description.contains("expected [N, C·4, 9] or [C·4, 9]") == true)
        #expect(run("Fold", [("output_size", .integer(1)), ("kernel_size", .integer(2))], shape: [1, 4, 1])
            == .invalidArgument(module: "Fold", name: "output_size", expected: "positive and large enough for one window"))
    }
}

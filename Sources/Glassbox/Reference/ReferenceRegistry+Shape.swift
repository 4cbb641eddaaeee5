import GlassboxIO

extension ReferenceRegistry {
    /// `PixelShuffle`, `PixelUnshuffle`, `ChannelShuffle`, `Unfold`, `Fold`: parameter-free shape
    /// layers.
    static func shapeBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "PixelShuffle": { args, train in
                let r = try args.int("upscale_factor")
                guard r > 0 else { throw ReferenceError.invalidArgument(module: "PixelShuffle", name: "upscale_factor", expected: "positive") }
                return .layer(PixelShuffle<Scalar>(upscaleFactor: r), train: train) { shape in
                    guard shape.count >= 3, shape[shape.count - 3] % (r * r) == 0 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [*, C·\(r * r), H, W]")
                    }
                }
            },
            "PixelUnshuffle": { args, train in
                let r = try args.int("downscale_factor")
                guard r > 0 else { throw ReferenceError.invalidArgument(module: "PixelUnshuffle", name: "downscale_factor", expected: "positive") }
                return .layer(PixelUnshuffle<Scalar>(downscaleFactor: r), train: train) { shape in
                    guard shape.count >= 3, shape[shape.count - 2] % r == 0, shape[shape.count - 1] % r == 0 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [*, C, H·\(r), W·\(r)]")
                    }
                }
            },
            "ChannelShuffle": { args, train in
                let groups = try args.int("groups")
                guard groups > 0 else { throw ReferenceError.invalidArgument(module: "ChannelShuffle", name: "groups", expected: "positive") }
                return .layer(ChannelShuffle<Scalar>(groups: groups), train: train) { shape in
                    guard shape.count >= 3, shape[1] % groups == 0 else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape), expected [N, C, *] with C divisible by \(groups)")
                    }
                }
            },
            "Unfold": { args, train in
                let kernel = try args.size2D("kernel_size")
                let dilation = try args.size2D("dilation", default: 1)
                let padding = try args.size2D("padding", default: 0)
                let stride = try args.size2D("stride", default: 1)
                try checkWindows("Unfold", kernel: kernel, dilation: dilation, padding: padding, stride: stride)
                let layer = Unfold<Scalar>(kernelSize: kernel, dilation: dilation, padding: padding, stride: stride)
                return .layer(layer, train: train) { shape in
                    let windows = SlidingWindows(
                        size: Array(shape.suffix(2)), kernel: kernel, dilation: dilation, padding: padding, stride: stride)
                    guard shape.count == 3 || shape.count == 4, shape.allSatisfy({ $0 > 0 }), windows.isValid else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape), expected a non-empty [N, C, H, W] or [C, H, W] that holds a window")
                    }
                }
            },
            "Fold": { args, train in
                let size = try args.size2D("output_size")
                let kernel = try args.size2D("kernel_size")
                let dilation = try args.size2D("dilation", default: 1)
                let padding = try args.size2D("padding", default: 0)
                let stride = try args.size2D("stride", default: 1)
                try checkWindows("Fold", kernel: kernel, dilation: dilation, padding: padding, stride: stride)
                let windows = SlidingWindows(
                    size: [size.height, size.width], kernel: kernel, dilation: dilation, padding: padding, stride: stride)
                guard size.height > 0, size.width > 0, windows.isValid else {
                    throw ReferenceError.invalidArgument(module: "Fold", name: "output_size", expected: "positive and large enough for one window")
                }
                let k = kernel.height * kernel.width, blocks = windows.blocks.reduce(1, *)
                let layer = Fold<Scalar>(outputSize: size, kernelSize: kernel, dilation: dilation, padding: padding, stride: stride)
                return .layer(layer, train: train) { shape in
                    guard shape.count == 2 || shape.count == 3, shape[shape.count - 2] > 0, shape[shape.count - 2] % k == 0,
                        shape[shape.count - 1] == blocks
                    else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape), expected [N, C·\(k), \(blocks)] or [C·\(k), \(blocks)]")
                    }
                }
            },
        ]
    }

    /// Positive kernel, dilation and stride, non-negative padding.
    private static func checkWindows(_ module: String, kernel: Size2D, dilation: Size2D, padding: Size2D, stride: Size2D) throws {
        for (name, value) in [("kernel_size", kernel), ("dilation", dilation), ("stride", stride)] where value.height <= 0 || value.width <= 0 {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "positive")
        }
        guard padding.height >= 0, padding.width >= 0 else {
            throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "non-negative")
        }
    }
}

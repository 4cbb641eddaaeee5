/// An 8-bit image: `height` rows of `width` pixels, each of `channels` interleaved samples —
/// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA — row-major from the top-left corner, as PNG and PGM
/// store them.
public struct Image: Equatable, Sendable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Samples per pixel: 1 (gray), 2 (gray, alpha), 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// `height · width · channels` samples; sample `c` of the pixel in row `y`, column `x` is
    /// at `(y · width + x) · channels + c`.
    public let pixels: [UInt8]

    /// Creates an image from its samples.
    ///
    /// - Precondition: `width`, `height` ≥ 0, `channels` in 1...4 and
    ///   `pixels.count == width · height · channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "Image: negative size \(width)×\(height)")
        precondition((1...4).contains(channels), "Image: channels must be 1...4, got \(channels)")
        precondition(
            pixels.count == width * height * channels,
            "Image: \(pixels.count) samples do not fill \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Whether the last channel is alpha (2 or 4 channels).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The sample of channel `channel` of the pixel in row `y`, column `x`.
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        precondition(
            (0..<width).contains(x) && (0..<height).contains(y) && (0..<channels).contains(channel),
            "Image: sample (x \(x), y \(y), channel \(channel)) outside \(width)×\(height)×\(channels)")
        return pixels[(y * width + x) * channels + channel]
    }

    /// The image with `channels` samples per pixel.
    ///
    /// Gray becomes RGB by repeating it; RGB becomes gray by the ITU-R BT.601 luma
    /// `(19595·R + 38470·G + 7471·B + 2^15) >> 16`, the fixed-point formula of PIL's
    /// `convert("L")`. Alpha is dropped when the target has none (not composited, as in PIL)
    /// and is 255 when the source has none.
    public func converted(toChannels target: Int) -> Image {
        precondition((1...4).contains(target), "Image.converted(toChannels:): channels must be 1...4, got \(target)")
        if target == channels { return self }
        let count = width * height
        var output = [UInt8](repeating: 255, count: count * target)
        let sourceColor = hasAlpha ? channels - 1 : channels
        let targetColor = target == 2 || target == 4 ? target - 1 : target
        for i in 0..<count {
            let s = i * channels
            let t = i * target
            if sourceColor == targetColor {
                for c in 0..<targetColor { output[t + c] = pixels[s + c] }
            } else if targetColor == 3 {
                output[t] = pixels[s]
                output[t + 1] = pixels[s]
                output[t + 2] = pixels[s]
            } else {
                let luma = 19595 * UInt32(pixels[s]) + 38470 * UInt32(pixels[s + 1]) + 7471 * UInt32(pixels[s + 2]) + 0x8000
                output[t] = UInt8(luma >> 16)
            }
            if target == 2 || target == 4, hasAlpha { output[t + targetColor] = pixels[s + sourceColor] }
        }
        return Image(width: width, height: height, channels: target, pixels: output)
    }

    /// The image as one-channel 8-bit gray (luma; alpha dropped), e.g. for a classifier
    /// trained on MNIST. Same as `converted(toChannels: 1)`.
    public func grayscale() -> Image { converted(toChannels: 1) }

    /// The image enlarged `factor` times in both directions by repeating pixels (nearest
    /// neighbour), so that small images such as 28×28 digits stay sharp when viewed.
    public func upscaled(by factor: Int) -> Image {
        precondition(factor >= 1, "Image.upscaled(by:): factor must be at least 1, got \(factor)")
        if factor == 1 { return self }
        let outWidth = width * factor
        var output = [UInt8](repeating: 0, count: outWidth * height * factor * channels)
        for y in 0..<(height * factor) {
            let sourceRow = (y / factor) * width * channels
            let targetRow = y * outWidth * channels
            for x in 0..<outWidth {
                let s = sourceRow + (x / factor) * channels
                let t = targetRow + x * channels
                for c in 0..<channels { output[t + c] = pixels[s + c] }
            }
        }
        return Image(width: outWidth, height: height * factor, channels: channels, pixels: output)
    }

    /// The images tiled into one, like `torchvision.utils.make_grid`: `min(nrow, count)`
    /// images per row, in order, each row and column of cells separated and surrounded by
    /// `padding` pixels of `padValue`.
    ///
    /// All images must have the same width and height; they are converted to the largest
    /// channel count among them (so a gray input and a colour saliency map can sit side by
    /// side). Where the result has alpha, padding is opaque.
    ///
    /// - Precondition: `images` is not empty and all have the same size; `nrow` ≥ 1,
    ///   `padding` ≥ 0.
    public static func grid(_ images: [Image], nrow: Int = 8, padding: Int = 2, padValue: UInt8 = 0) -> Image {
        precondition(!images.isEmpty, "Image.grid: no images")
        precondition(nrow >= 1 && padding >= 0, "Image.grid: nrow \(nrow) must be ≥ 1 and padding \(padding) ≥ 0")
        let cellWidth = images[0].width
        let cellHeight = images[0].height
        precondition(
            images.allSatisfy { $0.width == cellWidth && $0.height == cellHeight },
            "Image.grid: images differ in size: \(images.map { "\($0.width)×\($0.height)" })")
        let channels = images.map(\.channels).max()!
        let columns = min(nrow, images.count)
        let rows = (images.count + columns - 1) / columns
        let width = columns * (cellWidth + padding) + padding
        let height = rows * (cellHeight + padding) + padding
        let hasAlpha = channels == 2 || channels == 4
        var output = [UInt8](repeating: padValue, count: width * height * channels)
        if hasAlpha { for i in 0..<(width * height) { output[i * channels + channels - 1] = 255 } }
        for (index, image) in images.enumerated() {
            let tile = image.converted(toChannels: channels)
            let left = padding + (index % columns) * (cellWidth + padding)
            let top = padding + (index / columns) * (cellHeight + padding)
            let rowLength = cellWidth * channels
            for y in 0..<cellHeight {
                let target = ((top + y) * width + left) * channels
                output.replaceSubrange(target..<(target + rowLength), with: tile.pixels[(y * rowLength)..<((y + 1) * rowLength)])
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: output)
    }
}

import GlassboxIO
import Testing

@Suite("Image and ColorMap")
struct ImageTests {
    @Test("channel conversions: BT.601 luma as PIL, alpha kept, dropped or made opaque")
    func conversions() {
        let rgba = Image(width: 4, height: 1, channels: 4, pixels: [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30, 255, 255, 255, 40])
        // PIL: Image.new("RGB", (1, 1), c).convert("L") gives 76, 150, 29, 255.
        #expect(rgba.grayscale().pixels == [76, 150, 29, 255])
        #expect(rgba.converted(toChannels: 2).pixels == [76, 10, 150, 20, 29, 30, 255, 40])
        #expect(rgba.converted(toChannels: 3).pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [3, 200])
        #expect(gray.converted(toChannels: 2).pixels == [3, 255, 200, 255])
        #expect(gray.converted(toChannels: 3).pixels == [3, 3, 3, 200, 200, 200])
        #expect(gray.converted(toChannels: 4).pixels == [3, 3, 3, 255, 200, 200, 200, 255])
        #expect(gray.converted(toChannels: 3).grayscale() == gray)
        let grayAlpha = Image(width: 1, height: 1, channels: 2, pixels: [9, 99])
        #expect(grayAlpha.converted(toChannels: 4).pixels == [9, 9, 9, 99])
        #expect(grayAlpha.grayscale().pixels == [9])
        #expect(rgba.hasAlpha && grayAlpha.hasAlpha && !gray.hasAlpha)
        #expect(rgba[3, 0, 3] == 40)
    }

    @Test("upscaled repeats pixels")
    func upscaled() {
        let image = Image(width: 2, height: 1, channels: 2, pixels: [1, 2, 3, 4])
        let big = image.upscaled(by: 2)
        #expect(big.width == 4 && big.height == 2)
        #expect(big.pixels == [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4])
        #expect(image.upscaled(by: 1) == image)
    }

    @Test("grid: make_grid layout, padding, channel promotion")
    func grid() {
        let a = Image(width: 2, height: 1, channels: 1, pixels: [10, 11])
        let b = Image(width: 2, height: 1, channels: 1, pixels: [20, 21])
        let c = Image(width: 2, height: 1, channels: 1, pixels: [30, 31])
        let grid = Image.grid([a, b, c], nrow: 2, padding: 1, padValue: 5)
        #expect(grid.width == 7 && grid.height == 5 && grid.channels == 1)
        #expect(grid.pixels == [
            5, 5, 5, 5, 5, 5, 5,
            5, 10, 11, 5, 20, 21, 5,
            5, 5, 5, 5, 5, 5, 5,
            5, 30, 31, 5, 5, 5, 5,
            5, 5, 5, 5, 5, 5, 5,
        ])
        // Fewer images than nrow: one row of just those (as torchvision).
        let row = Image.grid([a, b], padding: 0)
        #expect(row.width == 4 && row.pixels == [10, 11, 20, 21])
        // A gray image next to an RGBA one becomes RGBA; padding is opaque.
        let rgba = Image(width: 2, height: 1, channels: 4, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        let mixed = Image.grid([a, rgba], padding: 1)
        #expect(mixed.channels == 4 && mixed.width == 7 && mixed.height == 3)
        #expect(Array(mixed.pixels[0..<4]) == [0, 0, 0, 255])
        let middle = Array(mixed.pixels[(7 * 4)..<(14 * 4)])
        #expect(middle == [0, 0, 0, 255, 10, 10, 10, 255, 11, 11, 11, 255, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 255])
    }

    @Test("colour maps: endpoints, midpoints, NaN")
    func colorMaps() {
        func rgb(_ map: ColorMap, _ t: Double) -> [UInt8] {
            let c = map.color(at: t)
            return [c.red, c.green, c.blue]
        }
        #expect(rgb(.gray, 0) == [0, 0, 0])
        #expect(rgb(.gray, 0.5) == [128, 128, 128])
        #expect(rgb(.gray, 2) == [255, 255, 255])
        #expect(rgb(.hot, 0) == [11, 0, 0])
        #expect(rgb(.hot, 0.365079) == [255, 0, 0])
        #expect(rgb(.hot, 0.5) == [255, 90, 0])
        #expect(rgb(.hot, 0.746032) == [255, 255, 0])
        #expect(rgb(.hot, 1) == [255, 255, 255])
        #expect(rgb(.blueWhiteRed, 0) == [0, 0, 255])
        #expect(rgb(.blueWhiteRed, 0.25) == [128, 128, 255])
        #expect(rgb(.blueWhiteRed, 0.5) == [255, 255, 255])
        #expect(rgb(.blueWhiteRed, 1) == [255, 0, 0])
        #expect(rgb(.blueWhiteRed, .nan) == [255, 255, 255])
        #expect(rgb(.hot, .nan) == [11, 0, 0])
    }

    @Test("Image(values:): min/max scaling, symmetric diverging range, explicit range, constants")
    func values() {
        let values: [Float] = [-1, 0, 1, 3]
        #expect(ColorMap.gray.defaultRange(of: values) == -1...3)
        #expect(ColorMap.blueWhiteRed.defaultRange(of: values) == -3...3)
        #expect(ColorMap.hot.defaultRange(of: [Double.nan, .infinity]) == 0...0)
        let gray = Image(values: values, width: 2, height: 2)
        #expect(gray.channels == 1 && gray.pixels == [0, 64, 128, 255])
        let clipped = Image(values: values, width: 4, height: 1, range: 0...1)
        #expect(clipped.pixels == [0, 0, 255, 255])
        let diverging = Image(values: [-3.0, 0, 1.5, 3], width: 4, height: 1, colorMap: .blueWhiteRed)
        #expect(diverging.channels == 3)
        #expect(diverging.pixels == [0, 0, 255, 255, 255, 255, 255, 128, 128, 255, 0, 0])
        #expect(Image(values: [Double](repeating: 2, count: 3), width: 3, height: 1).pixels == [0, 0, 0])
        #expect(Image(values: [0.0, 0], width: 2, height: 1, colorMap: .blueWhiteRed).pixels == [UInt8](repeating: 255, count: 6))
    }
}

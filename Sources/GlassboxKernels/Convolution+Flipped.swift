// The backward-data pass of a stride-1 convolution, run as the forward pass of another one.
//
// With unit strides, dx[c, ih, iw] = Σ_{o, ki, kj} w[o, c, ki, kj] · dy[o, ih + pt − ki·dh, iw + pl − kj·dw]
// (zero outside dy). Writing ki' = KH − 1 − ki, that is a convolution of dy with the weight
// flipped in both spatial axes and its two channel axes exchanged,
//
//   w'[c, o, ki', kj'] = w[o, c, KH − 1 − ki', KW − 1 − kj']        (per group)
//
// and padding pt' = dh·(KH − 1) − pt, pl' = dw·(KW − 1) − pl (when both are ≥ 0): its output
// row ih, tap ki' reads dy row ih − pt' + ki'·dh. Its GEMM depth is Og·KH·KW instead of Og,
// and it writes its output once, where the col2im path (Convolution+Col2im.swift) writes and
// reads a K × |J| column block and adds it into the image. For the 16- and 32-channel layers
// of the DDPM U-Net the depth Og alone (16) left the micro-kernel mostly storing its tile.
// Every output element is a sum in an order fixed by the shape, so the bits do not depend on
// the thread count (they differ from the col2im path's by rounding).

extension ConvolutionPlan {
    /// The stride-1 convolution whose forward pass is this geometry's backward-data pass (see
    /// the comment at the top of this file), or `nil` when a stride is not 1, the padding
    /// exceeds the kernel's extent, or Og > 32 (the col2im GEMM's depth Og is then long enough:
    /// the seed CNN's conv2, Og = 64, ran 8 % slower flipped in one A/B round).
    var flippedGeometry: ConvolutionGeometry? {
        let g = geometry
        guard g.strideHeight == 1 && g.strideWidth == 1 && g.outputChannelsPerGroup <= 32 else { return nil }
        let top = g.dilationHeight * (g.kernelHeight - 1) - g.paddingTop
        let left = g.dilationWidth * (g.kernelWidth - 1) - g.paddingLeft
        guard top >= 0 && left >= 0 else { return nil }
        return ConvolutionGeometry(
            batch: g.batch, inputChannels: g.outputChannels, outputChannels: g.inputChannels, groups: g.groups,
            inputHeight: g.outputHeight, inputWidth: g.outputWidth, outputHeight: g.inputHeight,
            outputWidth: g.inputWidth, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, paddingTop: top,
            paddingLeft: left, dilationHeight: g.dilationHeight, dilationWidth: g.dilationWidth)
    }

    /// `dx = conv(dy, w') + bias` on `flipped` (``flippedGeometry``), with `w'` the weight
    /// flipped and its channel axes exchanged.
    func backwardDataFlipped(
        _ flipped: ConvolutionGeometry, _ dy: UnsafePointer<S>, _ w: UnsafePointer<S>, _ bias: UnsafePointer<S>?,
        _ dx: UnsafeMutablePointer<S>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, cg = g.inputChannelsPerGroup
        let kh = g.kernelHeight, kw = g.kernelWidth, area = kh * kw
        let weights = Self.allocate(g.weightCount, zeroed: false)
        defer { weights.deallocate() }
        for group in 0..<g.groups {
            for c in 0..<cg {
                for o in 0..<og {
                    let src = w + ((group * og + o) * cg + c) * area
                    let dst = weights + ((group * cg + c) * og + o) * area
                    for t in 0..<area { dst[t] = src[area - 1 - t] }
                }
            }
        }
        ConvolutionPlan(flipped).forward(dy, weights, bias, dx)
    }
}

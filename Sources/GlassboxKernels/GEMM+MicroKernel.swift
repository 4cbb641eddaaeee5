#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The blocked loops and the register-tile micro-kernel.
//
// Micro-kernel: an MR × NR tile (MR = 6, NR = 2 vectors) of C held in 12 vector accumulators.
// Each k step loads 2 vectors of packed B, broadcasts 6 scalars of packed A and issues 12
// multiply-adds. With the FMA trait (or on arm64) these are fused (`addingProduct`, one
// vfmadd231ps each); without it they are a multiply and an add, since a plain x86-64 build has
// no FMA instruction and `addingProduct` would become a libm call per lane (Docs/Kernels.md, "Code-generation facts").
// To check the loop: `objdump -d` the release binary and look for 2 vector loads, 6
// broadcasts and 12 vfmadd231 per iteration, no spills.

extension GEMMProblem {
    /// The jc → pc → ic → jr → ir loops over the part `rows × cols` of C. `bias` (indexed by
    /// column of C, with beta = 0) is added to every row on the first k block.
    func blocked<V: SIMD, A: GEMMPackingA, B: GEMMPackingB>(
        _: V.Type, rows: Range<Int>, cols: Range<Int>, _ alpha: V.Scalar,
        _ a: A, _ b: B, _ beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, bias: UnsafePointer<V.Scalar>? = nil
    ) where V.Scalar: KernelScalar, A.Scalar == V.Scalar, B.Scalar == V.Scalar {
        typealias S = V.Scalar
        let mr = GEMMBlocking.mr, nr = 2 * V.scalarCount
        // k is cut into equal blocks of at most KC (KC = 256: k = 288 gives 144 + 144, not 256 + 32).
        let kcLimit = GEMMBlocking.kc(V.self)
        let kBlocks = (k + kcLimit - 1) / kcLimit
        let kcBlock = (k + kBlocks - 1) / kBlocks
        let kcMax = Swift.min(kcBlock, k)
        let mcBlock = GEMMBlocking.mc(S.self)
        let mcMax = Swift.min(mcBlock, (rows.count + mr - 1) / mr * mr)
        let ncMax = Swift.min(GEMMBlocking.nc, (cols.count + nr - 1) / nr * nr)
        let stride = MemoryLayout<S>.stride
        // Slack past each packed block: a packer may store a whole vector of up to 8 values
        // that runs past the end of a panel (ConvolutionMatrix does).
        let slack = Swift.max(8, V.scalarCount)
        let packedA = UnsafeMutableRawPointer.allocate(byteCount: (mcMax * kcMax + slack) * stride, alignment: 64)
            .bindMemory(to: S.self, capacity: mcMax * kcMax + slack)
        let packedB = UnsafeMutableRawPointer.allocate(byteCount: (ncMax * kcMax + slack) * stride, alignment: 64)
            .bindMemory(to: S.self, capacity: ncMax * kcMax + slack)
        let tile = UnsafeMutableRawPointer.allocate(byteCount: mr * nr * stride, alignment: 64)
            .bindMemory(to: S.self, capacity: mr * nr)
        defer {
            packedA.deallocate()
            packedB.deallocate()
            tile.deallocate()
        }
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let ncEnd = Swift.min(jc + GEMMBlocking.nc, cols.upperBound)
            var pc = 0
            while pc < k {
                let kc = Swift.min(kcBlock, k - pc)
                let first = pc == 0
                let (bPanels, bPanelStride) = b.packB(depth: pc..<(pc + kc), cols: jc..<ncEnd, nr: nr, into: packedB)
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mcEnd = Swift.min(ic + mcBlock, rows.upperBound)
                    let (aPanels, aPanelStride) = a.packA(rows: ic..<mcEnd, depth: pc..<(pc + kc), into: packedA)
                    var jr = jc
                    var bPanel = bPanels
                    while jr < ncEnd {
                        let w = Swift.min(nr, ncEnd - jr)
                        var ir = ic
                        var aPanel = aPanels
                        while ir < mcEnd {
                            let h = Swift.min(mr, mcEnd - ir)
                            let tileBias = first ? bias.map { $0 + jr } : nil
                            if h == mr && w == nr {
                                microKernel(
                                    V.self, kc, aPanel, bPanel, c + ir * ldc + jr, ldc: ldc, alpha: alpha, beta: beta, first: first,
                                    bias: tileBias)
                            } else {
                                edgeKernel(V.self, rows: h, kc, aPanel, bPanel, tile)
                                store(
                                    tile, nr: nr, rows: h, cols: w, into: c + ir * ldc + jr, alpha: alpha, beta: beta, first: first,
                                    bias: tileBias)
                            }
                            ir += mr
                            aPanel += aPanelStride
                        }
                        jr += nr
                        bPanel += bPanelStride
                    }
                    ic = mcEnd
                }
                pc += kc
            }
            jc = ncEnd
        }
    }

    /// `C_tile = alpha · tile + (first ? beta · C_tile : C_tile)` for the valid `rows × cols`, or
    /// `alpha · tile + bias` with a bias (first block, beta = 0).
    @inline(__always)
    func store<S: KernelScalar>(
        _ tile: UnsafeMutablePointer<S>, nr: Int, rows: Int, cols: Int, into c: UnsafeMutablePointer<S>,
        alpha: S, beta: S, first: Bool, bias: UnsafePointer<S>?
    ) {
        for r in 0..<rows {
            let src = tile + r * nr
            let dst = c + r * ldc
            if first {
                if let bias {
                    for j in 0..<cols { dst[j] = alpha * src[j] + bias[j] }
                } else if beta == 0 {
                    for j in 0..<cols { dst[j] = alpha * src[j] }
                } else {
                    for j in 0..<cols { dst[j] = alpha * src[j] + beta * dst[j] }
                }
            } else {
                for j in 0..<cols { dst[j] += alpha * src[j] }
            }
        }
    }

    /// The 6 × (2 vectors) register tile: `acc = Σ_p a[p, 0..<6] ⊗ b[p, 0..<NR]`, then
    /// `out = alpha · acc + beta · out` on the first k block (out not read when beta is 0; with
    /// a bias, `alpha · acc + bias`) and `out += alpha · acc` on later ones. `out` has row stride
    /// `ldc`. The write-back uses a separate multiply and add (never fused), exactly as
    /// ``store(_:nr:rows:cols:into:alpha:beta:first:bias:)`` does for edge tiles, so both paths
    /// give the same bits.
    @inline(__always)
    func microKernel<V: SIMD>(
        _: V.Type, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ out: UnsafeMutablePointer<V.Scalar>, ldc: Int, alpha: V.Scalar, beta: V.Scalar, first: Bool,
        bias: UnsafePointer<V.Scalar>? = nil
    ) where V.Scalar: KernelScalar {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let braw = UnsafeRawPointer(b), araw = a
        let rowBytes = 2 * w * MemoryLayout<V.Scalar>.stride
        let half = w * MemoryLayout<V.Scalar>.stride
        for p in 0..<kc {
            let b0 = braw.load(fromByteOffset: p * rowBytes, as: V.self)
            let b1 = braw.load(fromByteOffset: p * rowBytes + half, as: V.self)
            let ap = araw + p * 6
            #if FMA || arch(arm64)
            var av = V(repeating: ap[0])
            c00.addProduct(av, b0); c01.addProduct(av, b1)
            av = V(repeating: ap[1])
            c10.addProduct(av, b0); c11.addProduct(av, b1)
            av = V(repeating: ap[2])
            c20.addProduct(av, b0); c21.addProduct(av, b1)
            av = V(repeating: ap[3])
            c30.addProduct(av, b0); c31.addProduct(av, b1)
            av = V(repeating: ap[4])
            c40.addProduct(av, b0); c41.addProduct(av, b1)
            av = V(repeating: ap[5])
            c50.addProduct(av, b0); c51.addProduct(av, b1)
            #else
            var av = V(repeating: ap[0])
            c00 += av * b0; c01 += av * b1
            av = V(repeating: ap[1])
            c10 += av * b0; c11 += av * b1
            av = V(repeating: ap[2])
            c20 += av * b0; c21 += av * b1
            av = V(repeating: ap[3])
            c30 += av * b0; c31 += av * b1
            av = V(repeating: ap[4])
            c40 += av * b0; c41 += av * b1
            av = V(repeating: ap[5])
            c50 += av * b0; c51 += av * b1
            #endif
        }
        // Written out accumulator by accumulator: a loop over the accumulators' bytes compiled
        // to a stack round trip and shuffles.
        let mode = WriteBack(alpha: alpha, beta: beta, first: first, bias: bias != nil)
        // The bias of the tile's two column vectors (zeros, unused, without one).
        let bias0 = bias.map { UnsafeRawPointer($0).loadUnaligned(as: V.self) } ?? V()
        let bias1 = bias.map { UnsafeRawPointer($0 + w).loadUnaligned(as: V.self) } ?? V()
        let out1 = out + ldc, out2 = out1 + ldc, out3 = out2 + ldc, out4 = out3 + ldc, out5 = out4 + ldc
        mode.store(c00, out, alpha, beta, bias0); mode.store(c01, out + w, alpha, beta, bias1)
        mode.store(c10, out1, alpha, beta, bias0); mode.store(c11, out1 + w, alpha, beta, bias1)
        mode.store(c20, out2, alpha, beta, bias0); mode.store(c21, out2 + w, alpha, beta, bias1)
        mode.store(c30, out3, alpha, beta, bias0); mode.store(c31, out3 + w, alpha, beta, bias1)
        mode.store(c40, out4, alpha, beta, bias0); mode.store(c41, out4 + w, alpha, beta, bias1)
        mode.store(c50, out5, alpha, beta, bias0); mode.store(c51, out5 + w, alpha, beta, bias1)
    }
}

extension GEMMProblem {
    /// An edge tile into `tile` (row stride NR, overwritten): the first `rows` rows of the packed
    /// A micro-panel (row stride MR) times the B micro-panel, on the 6-row kernel, or on 4- or
    /// 2-row ones for 1…4 rows — a batch of 32 rows (an LSTM step's GEMM) is 5 full tiles and
    /// 2 rows, which the 6-row kernel computed as 6. Every element is the same chain of
    /// multiply-adds over k in every kernel, so the bits do not depend on which one runs.
    @inline(__always)
    func edgeKernel<V: SIMD>(
        _: V.Type, rows: Int, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ tile: UnsafeMutablePointer<V.Scalar>
    ) where V.Scalar: KernelScalar {
        if rows > 4 {
            microKernel(V.self, kc, a, b, tile, ldc: 2 * V.scalarCount, alpha: 1, beta: 0, first: true)
        } else if rows > 2 {
            shortKernel4(V.self, kc, a, b, tile)
        } else {
            shortKernel2(V.self, kc, a, b, tile)
        }
    }

    /// Rows 0..<4 of the 6-row panel: 8 accumulators, written to `out` (row stride 2 vectors).
    @inline(__always)
    func shortKernel4<V: SIMD>(
        _: V.Type, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ out: UnsafeMutablePointer<V.Scalar>
    ) where V.Scalar: KernelScalar {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        let braw = UnsafeRawPointer(b)
        let rowBytes = 2 * w * MemoryLayout<V.Scalar>.stride, half = w * MemoryLayout<V.Scalar>.stride
        for p in 0..<kc {
            let b0 = braw.load(fromByteOffset: p * rowBytes, as: V.self)
            let b1 = braw.load(fromByteOffset: p * rowBytes + half, as: V.self)
            let ap = a + p * GEMMBlocking.mr
            #if FMA || arch(arm64)
            var av = V(repeating: ap[0])
            c00.addProduct(av, b0); c01.addProduct(av, b1)
            av = V(repeating: ap[1])
            c10.addProduct(av, b0); c11.addProduct(av, b1)
            av = V(repeating: ap[2])
            c20.addProduct(av, b0); c21.addProduct(av, b1)
            av = V(repeating: ap[3])
            c30.addProduct(av, b0); c31.addProduct(av, b1)
            #else
            var av = V(repeating: ap[0])
            c00 += av * b0; c01 += av * b1
            av = V(repeating: ap[1])
            c10 += av * b0; c11 += av * b1
            av = V(repeating: ap[2])
            c20 += av * b0; c21 += av * b1
            av = V(repeating: ap[3])
            c30 += av * b0; c31 += av * b1
            #endif
        }
        let o = UnsafeMutableRawPointer(out)
        o.storeBytes(of: c00, toByteOffset: 0, as: V.self); o.storeBytes(of: c01, toByteOffset: half, as: V.self)
        o.storeBytes(of: c10, toByteOffset: rowBytes, as: V.self); o.storeBytes(of: c11, toByteOffset: rowBytes + half, as: V.self)
        o.storeBytes(of: c20, toByteOffset: 2 * rowBytes, as: V.self)
        o.storeBytes(of: c21, toByteOffset: 2 * rowBytes + half, as: V.self)
        o.storeBytes(of: c30, toByteOffset: 3 * rowBytes, as: V.self)
        o.storeBytes(of: c31, toByteOffset: 3 * rowBytes + half, as: V.self)
    }

    /// Rows 0..<2 of the 6-row panel: 4 accumulators, written to `out` (row stride 2 vectors).
    @inline(__always)
    func shortKernel2<V: SIMD>(
        _: V.Type, _ kc: Int, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ out: UnsafeMutablePointer<V.Scalar>
    ) where V.Scalar: KernelScalar {
        let w = V.scalarCount
        var c00 = V(), c01 = V(), c10 = V(), c11 = V()
        let braw = UnsafeRawPointer(b)
        let rowBytes = 2 * w * MemoryLayout<V.Scalar>.stride, half = w * MemoryLayout<V.Scalar>.stride
        for p in 0..<kc {
            let b0 = braw.load(fromByteOffset: p * rowBytes, as: V.self)
            let b1 = braw.load(fromByteOffset: p * rowBytes + half, as: V.self)
            let ap = a + p * GEMMBlocking.mr
            #if FMA || arch(arm64)
            var av = V(repeating: ap[0])
            c00.addProduct(av, b0); c01.addProduct(av, b1)
            av = V(repeating: ap[1])
            c10.addProduct(av, b0); c11.addProduct(av, b1)
            #else
            var av = V(repeating: ap[0])
            c00 += av * b0; c01 += av * b1
            av = V(repeating: ap[1])
            c10 += av * b0; c11 += av * b1
            #endif
        }
        let o = UnsafeMutableRawPointer(out)
        o.storeBytes(of: c00, toByteOffset: 0, as: V.self); o.storeBytes(of: c01, toByteOffset: half, as: V.self)
        o.storeBytes(of: c10, toByteOffset: rowBytes, as: V.self); o.storeBytes(of: c11, toByteOffset: rowBytes + half, as: V.self)
    }
}

/// How the micro-kernel writes an accumulator `v` to C: `alpha · v + beta · old` on the first
/// k block (old not read when beta is 0), or `alpha · v + bias` with a bias; `old + alpha · v`
/// on later ones. The cases with alpha = 1 (and beta = 1) skip multiplications by 1, which give
/// the same bits; `v + bias` has the bits of `v + old` on C filled with the bias.
enum WriteBack {
    case overwrite, overwriteScaled, add, addScaled, accumulate, accumulateScaled, addBias, addBiasScaled

    @inline(__always)
    init<S: KernelScalar>(alpha: S, beta: S, first: Bool, bias: Bool = false) {
        if !first {
            self = alpha == 1 ? .accumulate : .accumulateScaled
        } else if bias {
            self = alpha == 1 ? .addBias : .addBiasScaled
        } else if beta == 0 {
            self = alpha == 1 ? .overwrite : .overwriteScaled
        } else {
            self = alpha == 1 && beta == 1 ? .add : .addScaled
        }
    }

    @inline(__always)
    func store<V: SIMD>(_ v: V, _ out: UnsafeMutablePointer<V.Scalar>, _ alpha: V.Scalar, _ beta: V.Scalar, _ bias: V)
    where V.Scalar: KernelScalar {
        let dst = UnsafeMutableRawPointer(out)
        switch self {
        case .addBias: dst.storeBytes(of: v + bias, as: V.self)
        case .addBiasScaled: dst.storeBytes(of: V(repeating: alpha) * v + bias, as: V.self)
        case .overwrite: dst.storeBytes(of: v, as: V.self)
        case .overwriteScaled: dst.storeBytes(of: V(repeating: alpha) * v, as: V.self)
        case .add: dst.storeBytes(of: v + dst.loadUnaligned(as: V.self), as: V.self)
        case .addScaled:
            dst.storeBytes(of: V(repeating: alpha) * v + V(repeating: beta) * dst.loadUnaligned(as: V.self), as: V.self)
        case .accumulate: dst.storeBytes(of: dst.loadUnaligned(as: V.self) + v, as: V.self)
        case .accumulateScaled: dst.storeBytes(of: dst.loadUnaligned(as: V.self) + V(repeating: alpha) * v, as: V.self)
        }
    }
}

#if FMA || arch(arm64)
extension SIMD where Scalar: FloatingPoint {
    /// `self += a * b`, fused: only compiled where the build has FMA (trait `FMA` or arm64).
    @inline(__always)
    mutating func addProduct(_ a: Self, _ b: Self) {
        self = self.addingProduct(a, b)
    }
}
#endif

import Testing
@testable import GlassboxKernels
@Test func threadingDefaultIsPositive() { #expect(Threading.threadCount >= 1) }

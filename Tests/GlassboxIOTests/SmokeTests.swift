import Testing
import GlassboxIO
@Test func ioModuleLoads() { #expect(String(describing: GlassboxIO.self) == "GlassboxIO") }

import Testing
import Glassbox
@Test func glassboxLoads() { #expect(Bool(true)) }

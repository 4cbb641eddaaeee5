import Testing

// The gate for slow tests of this target, the same as GlassboxTests' (Tests/GlassboxTests/Slow.swift):
// `@Test(.slow)` runs in release builds only (`swift test -c release`, the second half of the
// README's test command) and is skipped, saying so, in debug builds.

#if DEBUG
/// Whether the tests were built in release mode.
let isReleaseBuild = false
#else
/// Whether the tests were built in release mode.
let isReleaseBuild = true
#endif

extension Trait where Self == ConditionTrait {
    /// A slow test: enabled in release builds only.
    static var slow: Self { .enabled(if: isReleaseBuild, "slow: release builds only") }
}

import Testing

// The one gate for slow tests (training runs through the executable, long sweeps): `@Test(.slow)`
// or `@Suite(.slow)` runs them in release builds only — `swift test -c release`, the second half
// of the README's test command — and skips them, saying so, in debug builds, where unspecialised
// generic code is about 100× slower.

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

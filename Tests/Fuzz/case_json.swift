// Reference case harness: the path `glassbox reference --config CASE.json` takes with the case
// file — JSON parsing, the case's keys, then building the module from the registry with the
// case's arguments (in Double, as a reference run would, with the parameter cap lowered to the
// harnesses' output cap). Bad JSON, keys, modules, arguments or layers too large must come back
// as errors.
import Glassbox
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let json = try? JSONValue(parsing: bytes) else { return }
    guard let again = try? JSONValue(parsing: Array(json.serialized().utf8)), again == json else {
        violated("JSON round trip")
    }
    guard let referenceCase = try? ReferenceCase(json: json) else { return }
    _ = try? ReferenceRegistry.build(
        module: referenceCase.module, args: referenceCase.args, train: referenceCase.train, as: Double.self,
        maxParameterElements: fuzzMaxOutputBytes / 8)
}

extension EpochRecord {
    /// `records` as one metadata string: a record per `;`-separated item,
    /// `epoch,loss,accuracy,seconds,samples,steps,skipped` then `|name=value` per metric, with
    /// every number in Swift's round-tripping form (so a resumed run's history is exact).
    static func encodeHistory(_ records: [EpochRecord]) -> String {
        records.map { record in
            let fields = [
                String(record.epoch), String(record.loss), record.accuracy.map { String($0) } ?? "-", String(record.seconds),
                String(record.samples), String(record.steps), String(record.skippedSteps),
            ]
            return ([fields.joined(separator: ",")] + record.metrics.keys.sorted().map { "\($0)=\(record.metrics[$0]!)" })
                .joined(separator: "|")
        }.joined(separator: ";")
    }

    /// The records of ``encodeHistory(_:)``'s string, or `nil` when it is missing or malformed.
    static func decodeHistory(_ text: String?) -> [EpochRecord]? {
        guard let text else { return nil }
        if text.isEmpty { return [] }
        var records: [EpochRecord] = []
        for item in text.split(separator: ";", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "|", omittingEmptySubsequences: false)
            let fields = pieces[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 7, let epoch = Int(fields[0]), let loss = Double(fields[1]), let seconds = Double(fields[3]),
                let samples = Int(fields[4]), let steps = Int(fields[5]), let skipped = Int(fields[6])
            else { return nil }
            var metrics: [String: Double] = [:]
            for piece in pieces.dropFirst() {
                let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, let value = Double(pair[1]) else { return nil }
                metrics[pair[0]] = value
            }
            let accuracy = fields[2] == "-" ? nil : Double(fields[2])
            if fields[2] != "-" && accuracy == nil { return nil }
            records.append(
                EpochRecord(
                    epoch: epoch, loss: loss, accuracy: accuracy, metrics: metrics, seconds: seconds, samples: samples,
                    steps: steps, skippedSteps: skipped))
        }
        return records
    }
}

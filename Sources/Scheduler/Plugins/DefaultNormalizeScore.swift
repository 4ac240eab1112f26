/// Upstream's `helper.DefaultNormalizeScore`: scales scores so the largest becomes
/// `maxPriority`; with `reverse`, subtracts from `maxPriority`. When all are 0, reverse gives
/// every node `maxPriority` and non-reverse leaves them 0.
public func defaultNormalizeScore(_ scores: inout [NodeScore], maxPriority: Int64 = maxNodeScore, reverse: Bool) {
    let maxCount = scores.map(\.score).max() ?? 0
    if maxCount == 0 {
        if reverse { for i in scores.indices { scores[i].score = maxPriority } }
        return
    }
    for i in scores.indices {
        var s = maxPriority * scores[i].score / maxCount
        if reverse { s = maxPriority - s }
        scores[i].score = s
    }
}

/// The messages handed out and not yet delivered, by idempotency key, with the lowest first seq at hand.
///
/// Kept in first-seq order with deletions done lazily from the front, so `lowestFirstSeq` is O(1) and a
/// delivery in order is O(1) amortized; a digest (whose first seq is older than the singles after it) is
/// inserted by binary search.
struct PendingSet: Sendable {
    private var firstSeqByKey: [String: Int64] = [:]
    private var queue: [(seq: Int64, key: String)] = []
    private var head = 0

    /// The messages pending.
    var count: Int { firstSeqByKey.count }

    /// The lowest first seq of a pending message; nil when none is pending.
    var lowestFirstSeq: Int64? { head < queue.count ? queue[head].seq : nil }

    /// Whether `key` is pending.
    func contains(_ key: String) -> Bool { firstSeqByKey[key] != nil }

    /// Adds a message covering rows from `firstSeq`.
    mutating func insert(_ key: String, firstSeq: Int64) {
        if let old = firstSeqByKey[key], old <= firstSeq { return }
        firstSeqByKey[key] = firstSeq
        var low = head
        var high = queue.count
        while low < high {
            let middle = (low + high) / 2
            if queue[middle].seq <= firstSeq { low = middle + 1 } else { high = middle }
        }
        queue.insert((firstSeq, key), at: low)
        dropDeadHead()
    }

    /// Removes a message; unknown keys are ignored.
    mutating func remove(_ key: String) {
        guard firstSeqByKey.removeValue(forKey: key) != nil else { return }
        dropDeadHead()
    }

    /// Moves `head` past entries whose key was removed (or re-inserted at another seq), and compacts.
    private mutating func dropDeadHead() {
        while head < queue.count, firstSeqByKey[queue[head].key] != queue[head].seq { head += 1 }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}

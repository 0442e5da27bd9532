/// Exponential backoff with a cap and jitter, computed without overflow.
public enum Backoff {
    /// The delay before the next attempt after `retries` attempts: `min(maxBackoff, minBackoff · 2^retries)`.
    ///
    /// - Parameters:
    ///   - retries: attempts already made (0 for the delay after the first failure).
    ///   - spec: the retry spec.
    /// - Returns: the capped delay, before jitter; never negative, never overflowing.
    public static func baseDelay(retries: Int, spec: RetrySpec) -> TimeSpan {
        let base = max(0, spec.minBackoff.milliseconds)
        let cap = max(base, spec.maxBackoff.milliseconds)
        if base == 0 { return .zero }
        if retries <= 0 { return TimeSpan(milliseconds: min(base, cap)) }
        // base · 2^retries ≥ cap as soon as retries ≥ 63 (base ≥ 1), so stop shifting there.
        guard retries < 63 else { return TimeSpan(milliseconds: cap) }
        let (product, overflow) = base.multipliedReportingOverflow(by: Int64(1) << retries)
        if overflow || product < 0 { return TimeSpan(milliseconds: cap) }
        return TimeSpan(milliseconds: min(product, cap))
    }

    /// The delay with jitter: the base delay shortened by a random part of up to `jitterPermille`/1000 of it.
    ///
    /// Jitter only ever shortens the delay, so the cap holds.
    /// - Parameters:
    ///   - retries: attempts already made.
    ///   - spec: the retry spec.
    ///   - random: the injected random source.
    /// - Returns: a delay in `[base · (1 − jitter), base]`.
    public static func delay(
        retries: Int, spec: RetrySpec, random: inout some RandomNumberGenerator
    ) -> TimeSpan {
        let base = baseDelay(retries: retries, spec: spec).milliseconds
        let jitter = min(max(spec.jitterPermille, 0), 1000)
        guard base > 0, jitter > 0 else { return TimeSpan(milliseconds: base) }
        let fraction = Double(jitter) / 1000 * Double.random(in: 0..<1, using: &random)
        let reduction = Int64((Double(base) * fraction).rounded(.down))
        return TimeSpan(milliseconds: base - min(max(reduction, 0), base))
    }
}

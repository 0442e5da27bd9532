import CompModel
import CompWire

/// The broker remembers a record id for at least its retention (the dedupe window, 24 h or more): a
/// record's journal row goes only when its execution has been finished for that long. A record made
/// before the window may have been applied and forgotten, so applying it now could apply it twice; the
/// broker refuses it instead (`record_too_old`, PROTOCOL.md §10.2). A spool that comes back after weeks
/// offline learns that its old records need a person, not a silent second application.
///
/// The record's age comes from its id, when the id is a UUIDv7 (version 7, RFC 9562 variant): its first
/// 48 bits are the milliseconds at which the client made it. Ids of another layout carry no time and are
/// never refused here. The window is shortened by `clockSkewMargin`, so a client whose clock runs ahead
/// by up to that much still cannot slip a forgotten record in.
struct DedupeWindow: Sendable, Equatable {
    /// How long the broker remembers record ids (its retention).
    var retention: TimeSpan

    /// How far a client's clock may run ahead of the broker's without harm: 1 hour.
    static let clockSkewMargin = TimeSpan.seconds(3600)

    /// The oldest age accepted: the retention less the clock-skew margin (retention is at least 24 h).
    var acceptedAge: TimeSpan { TimeSpan(milliseconds: retention.milliseconds - Self.clockSkewMargin.milliseconds) }

    /// The milliseconds in a UUIDv7 id, or nil when `id` is not one.
    static func madeAt(_ id: UInt128) -> Timestamp? {
        let high = UInt64(truncatingIfNeeded: id >> 64)
        let low = UInt64(truncatingIfNeeded: id)
        guard (high >> 12) & 0xF == 7, low >> 62 == 0b10 else { return nil }
        return Timestamp(milliseconds: Int64(high >> 16))
    }

    /// Why the record `id` is refused at `now`, or nil when it is young enough (or carries no time).
    func rejection(of id: UInt128, now: Timestamp) -> Mapping.Rejection? {
        guard let made = Self.madeAt(id) else { return nil }
        let age = now.milliseconds - made.milliseconds
        guard age > acceptedAge.milliseconds else { return nil }
        return Mapping.Rejection(
            code: .recordTooOld,
            detail: "id: made \(Self.roughly(age)) ago, before the broker's dedupe window of "
                + "\(DurationText.format(milliseconds: UInt64(max(0, acceptedAge.milliseconds)))); "
                + "a resend this old could be applied twice")
    }

    /// An age in whole days (from two days) or whole hours, for people.
    static func roughly(_ milliseconds: Int64) -> String {
        milliseconds >= 48 * 3_600_000 ? "\(milliseconds / 86_400_000)d" : "\(milliseconds / 3_600_000)h"
    }
}

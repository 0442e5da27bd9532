import CompModel
import Dispatch
import Foundation

/// The broker's clocks, in the model's units.
enum BrokerClock {
    /// The wall clock: ms since the epoch (may step).
    static func wall() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// The monotonic clock Dispatch waits on, in ms.
    static func monotonic() -> Int64 {
        Int64(clamping: DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }

    /// Both, for one loop pass.
    static func moment() -> Moment { Moment(monotonic: monotonic(), wall: wall()) }
}

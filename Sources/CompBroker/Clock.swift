import CompModel
import Dispatch

/// The broker's clocks, in the model's units.
enum BrokerClock {
    /// The wall clock: ms since the epoch (may step).
    static func wall() -> Timestamp { WallClock.now() }

    /// The monotonic clock Dispatch waits on, in ms.
    static func monotonic() -> Int64 {
        Int64(clamping: DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }

    /// Both, for one loop pass.
    static func moment() -> Moment { Moment(monotonic: monotonic(), wall: wall()) }
}

import Foundation
import Testing

@testable import CompModel

struct TimeFormatTests {
    @Test("iso8601 matches Foundation's ISO 8601 formatter with milliseconds")
    func matchesFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = SplitMix64(seed: 5)
        var samples: [Int64] = [0, 1, 999, 86_399_999, 951_782_400_000, 1_700_000_000_123, 4_102_444_799_999]
        for _ in 0..<200 { samples.append(Int64(random.next() % 4_102_444_800_000)) }
        for milliseconds in samples {
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            #expect(Timestamp(milliseconds: milliseconds).iso8601 == expected, "at \(milliseconds)")
        }
    }

    @Test("iso8601 before the epoch and on leap days")
    func edges() {
        #expect(Timestamp(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 951_782_400_000).iso8601 == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_709_164_800_500).iso8601 == "2024-02-29T00:00:00.500Z")
    }

    @Test("iso8601 at the ends of four-digit years and past them")
    func yearRange() {
        #expect(Timestamp(milliseconds: -62_167_219_200_000).iso8601 == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 253_402_300_800_000).iso8601 == "10000-01-01T00:00:00.000Z")
    }
}

struct ClockTests {
    @Test("a non-decreasing time holds still when a reading goes back")
    func nonDecreasing() {
        var time = NonDecreasingTime(start: Timestamp(milliseconds: 100))
        #expect(time.advance(to: Timestamp(milliseconds: 150)) == Timestamp(milliseconds: 150))
        #expect(time.advance(to: Timestamp(milliseconds: 120)) == Timestamp(milliseconds: 150))
        #expect(time.advance(to: Timestamp(milliseconds: 151)) == Timestamp(milliseconds: 151))
        #expect(time.latest == Timestamp(milliseconds: 151))
    }

    @Test("the wall clock reads the time of day in milliseconds and microseconds")
    func wallClock() {
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let now = WallClock.now().milliseconds
        let micros = WallClock.nowMicroseconds()
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(now >= before - 1 && now <= after + 1)
        #expect(micros / 1000 >= now && micros / 1000 <= after + 1)
    }
}

struct KeyHashTests {
    @Test("the stored key hash is FNV-1a over the four parts, each ended by a zero byte, from native and bridged text alike")
    func stable() {
        let key = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-1 é")
        #expect(key.stableHash == -1_638_598_928_711_267_012)  // computed independently (Python)
        // A string without contiguous UTF-8 (a Substring's characters re-joined lazily) hashes the same.
        let lazy = String(decoding: Array("e-1 é".utf8), as: UTF8.self)
        #expect(ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: lazy).stableHash
            == key.stableHash)
    }
}

struct RecordIDTests {
    @Test("a time-ordered id has the UUIDv7 layout and round-trips through its 128-bit value and bytes")
    func uuid7() throws {
        var random = SplitMix64(seed: 1)
        let time = Timestamp(milliseconds: 1_700_000_000_123)
        let id = RecordID.timeOrdered(at: time, using: &random)
        #expect(id.high >> 16 == UInt64(time.milliseconds))
        #expect((id.high >> 12) & 0xF == 7)  // version
        #expect(id.low >> 62 == 0b10)  // variant
        #expect(RecordID(id.value) == id)
        #expect(RecordID(bytes: id.bytes) == id)
        #expect(id.value >> 64 == UInt128(id.high))
        let later = RecordID.timeOrdered(at: time.adding(.milliseconds(1)), using: &random)
        #expect(later.value > id.value)
    }

    @Test("a generator seeded from the system differs between two seedings")
    func systemSeed() {
        var first = SplitMix64.seededFromSystem()
        var second = SplitMix64.seededFromSystem()
        #expect([first.next(), first.next()] != [second.next(), second.next()])
    }
}

struct RecordIDGeneratorTests {
    @Test("a seeded generator repeats its ids; ids from many threads are all different")
    func generator() async {
        let time = Timestamp(milliseconds: 1_700_000_000_000)
        #expect(RecordIDGenerator(seed: 9).next(at: time) == RecordIDGenerator(seed: 9).next(at: time))
        let shared = RecordIDGenerator()
        let ids = await withTaskGroup(of: [RecordID].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<500).map { _ in shared.next(at: time) } }
            }
            var all: [RecordID] = []
            for await part in group { all += part }
            return all
        }
        #expect(ids.count == 4000)
        #expect(Set(ids).count == 4000)
        #expect(ids.allSatisfy { $0.high >> 16 == UInt64(time.milliseconds) })
    }

    @Test("ids increase within a millisecond and when the clock steps back; the successor carries across its fields")
    func monotonic() {
        let generator = RecordIDGenerator(seed: 3)
        let time = Timestamp(milliseconds: 1_700_000_000_000)
        var ids = (0..<1000).map { _ in generator.next(at: time) }
        ids.append(generator.next(at: Timestamp(milliseconds: time.milliseconds - 5_000)))
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })

        let lowFull = RecordID(high: 0x0000_0001_0000_7ABC, low: 0xBFFF_FFFF_FFFF_FFFF)
        #expect(RecordIDGenerator.successor(of: lowFull) == RecordID(high: 0x0000_0001_0000_7ABD, low: 0x8000_0000_0000_0000))
        let bothFull = RecordID(high: 0x0000_0001_0000_7FFF, low: 0xBFFF_FFFF_FFFF_FFFF)
        let next = RecordIDGenerator.successor(of: bothFull)
        #expect(next == RecordID(high: 0x0000_0001_0001_7000, low: 0x8000_0000_0000_0000))
        #expect(next.high & 0xF000 == 0x7000 && next.low >> 62 == 0b10)  // version 7, RFC variant
    }

    @Test("a batch of ids taken at once increases, follows the ids before it, and is followed by greater ones")
    func batch() {
        let generator = RecordIDGenerator(seed: 5)
        let time = Timestamp(milliseconds: 1_700_000_000_000)
        let before = generator.next(at: time)
        let block = generator.next(count: 100, at: time)
        let after = generator.next(at: Timestamp(milliseconds: time.milliseconds - 1))  // the clock stepped back
        #expect(block.count == 100)
        let all = [before] + block + [after]
        #expect(zip(all, all.dropFirst()).allSatisfy { $0 < $1 })
        #expect(block.allSatisfy { $0.high & 0xF000 == 0x7000 && $0.low >> 62 == 0b10 })
        #expect(generator.next(count: 0, at: time).isEmpty)
    }
}

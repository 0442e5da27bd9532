// Stats: StatsRequest (0x36) and StatsReply (0x37).
//
// StatsRequest (0x36): tags none (the body is just an empty tagged section).
// StatusCount: status u8 1...5, parkReason u8 0...4, count u64, tags none.
// ServiceStats: service name, paused bool, inFlight u32, waitingFetches u32, tags none.
// StatsReply (0x37)
// +--------------------+------------------------------------+
// | counts             | array of StatusCount (≤ 1000)      |
// | services           | array of ServiceStats (≤ 1000)     |
// | recordsAccepted    | u64                                |
// | recordsDuplicate   | u64                                |
// | recordsStale       | u64                                |
// | recordsRejected    | u64                                |
// | successesNotHeld   | u64                                |
// | commandsDispatched | u64                                |
// | leasesExpired      | u64                                |
// | uptimeMs           | u64                                |
// | tags               | 1 dueNow u64, 2 overview Overview  |
// +--------------------+------------------------------------+
// Overview: bucketMs u64, since i64, series (array of ServiceSeries, ≤ 1000), topErrorsHour and
//           topErrorsDay (arrays of ErrorCount, ≤ 1000), tags none.
// ServiceSeries: service name, counts (u32 count ≤ 1000, then u64 each), tags none.
// ErrorCount: code name, count u64, tags none.

extension StatsRequest: WireStruct {
    static let minEncodedBytes = TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        try reader.skipTaggedSection("StatsRequest")
        self.init()
    }
}

extension StatusCount: WireStruct {
    static let minEncodedBytes = 1 + 1 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU8(status)
        sink.writeU8(parkReason)
        sink.writeU64(count)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let status = try reader.readStatus("StatusCount.status")
        let parkReason = try reader.readParkReason("StatusCount.parkReason")
        let count = try reader.readU64("StatusCount.count")
        try reader.skipTaggedSection("StatusCount")
        self.init(status: status, parkReason: parkReason, count: count)
    }
}

extension ServiceStats: WireStruct {
    static let minEncodedBytes = 4 + 1 + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(service)
        sink.writeBool(paused)
        sink.writeU32(inFlight)
        sink.writeU32(waitingFetches)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let service = try reader.readName("ServiceStats.service")
        let paused = try reader.readBool("ServiceStats.paused")
        let inFlight = try reader.readU32("ServiceStats.inFlight")
        let waitingFetches = try reader.readU32("ServiceStats.waitingFetches")
        try reader.skipTaggedSection("ServiceStats")
        self.init(service: service, paused: paused, inFlight: inFlight, waitingFetches: waitingFetches)
    }
}

extension StatsReply: WireStruct {
    static let minEncodedBytes = 4 + 4 + 8 * 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(counts)
        sink.writeArray(services)
        sink.writeU64(recordsAccepted)
        sink.writeU64(recordsDuplicate)
        sink.writeU64(recordsStale)
        sink.writeU64(recordsRejected)
        sink.writeU64(successesNotHeld)
        sink.writeU64(commandsDispatched)
        sink.writeU64(leasesExpired)
        sink.writeU64(uptimeMs)
        var tags = sink.beginTaggedSection()
        if let dueNow { sink.writeTagged(Tag.dueNow, in: &tags) { $0.writeU64(dueNow) } }
        if let overview { sink.writeTagged(Tag.overview, in: &tags) { overview.encode(to: &$0) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let counts = try reader.readArray(of: StatusCount.self, max: WireLimits.maxSmallList, "StatsReply.counts")
        let services = try reader.readArray(
            of: ServiceStats.self, max: WireLimits.maxSmallList, "StatsReply.services")
        let recordsAccepted = try reader.readU64("StatsReply.recordsAccepted")
        let recordsDuplicate = try reader.readU64("StatsReply.recordsDuplicate")
        let recordsStale = try reader.readU64("StatsReply.recordsStale")
        let recordsRejected = try reader.readU64("StatsReply.recordsRejected")
        let successesNotHeld = try reader.readU64("StatsReply.successesNotHeld")
        let commandsDispatched = try reader.readU64("StatsReply.commandsDispatched")
        let leasesExpired = try reader.readU64("StatsReply.leasesExpired")
        let uptimeMs = try reader.readU64("StatsReply.uptimeMs")
        var dueNow: UInt64?
        var overview: Overview?
        try reader.readTaggedSection("StatsReply") { tag, value throws(WireError) in
            switch tag {
            case Tag.dueNow: dueNow = try value.readU64("StatsReply.dueNow")
            case Tag.overview: overview = try Overview(wire: &value)
            default: return false
            }
            return true
        }
        self.init(
            counts: counts, services: services, recordsAccepted: recordsAccepted,
            recordsDuplicate: recordsDuplicate, recordsStale: recordsStale, recordsRejected: recordsRejected,
            successesNotHeld: successesNotHeld, commandsDispatched: commandsDispatched,
            leasesExpired: leasesExpired, uptimeMs: uptimeMs, dueNow: dueNow, overview: overview)
    }

    /// Tag numbers of the optional fields.
    enum Tag {
        static let dueNow: UInt16 = 1
        static let overview: UInt16 = 2
    }
}

extension ServiceSeries: WireStruct {
    static let minEncodedBytes = 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(service)
        sink.writeU32(UInt32(truncatingIfNeeded: counts.count))
        for count in counts { sink.writeU64(count) }
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let service = try reader.readName("ServiceSeries.service")
        let count = try reader.readCount(max: WireLimits.maxSmallList, minItemBytes: 8, "ServiceSeries.counts")
        var counts: [UInt64] = []
        counts.reserveCapacity(count)
        for _ in 0..<count { counts.append(try reader.readU64("ServiceSeries.counts")) }
        try reader.skipTaggedSection("ServiceSeries")
        self.init(service: service, counts: counts)
    }
}

extension ErrorCount: WireStruct {
    static let minEncodedBytes = 4 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(code)
        sink.writeU64(count)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let code = try reader.readName("ErrorCount.code")
        let count = try reader.readU64("ErrorCount.count")
        try reader.skipTaggedSection("ErrorCount")
        self.init(code: code, count: count)
    }
}

extension Overview: WireStruct {
    static let minEncodedBytes = 8 + 8 + 4 + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU64(bucketMs)
        sink.writeI64(since)
        sink.writeArray(series)
        sink.writeArray(topErrorsHour)
        sink.writeArray(topErrorsDay)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let bucketMs = try reader.readU64("Overview.bucketMs")
        let since = try reader.readI64("Overview.since")
        let series = try reader.readArray(of: ServiceSeries.self, max: WireLimits.maxSmallList, "Overview.series")
        let hour = try reader.readArray(of: ErrorCount.self, max: WireLimits.maxSmallList, "Overview.topErrorsHour")
        let day = try reader.readArray(of: ErrorCount.self, max: WireLimits.maxSmallList, "Overview.topErrorsDay")
        try reader.skipTaggedSection("Overview")
        self.init(bucketMs: bucketMs, since: since, series: series, topErrorsHour: hour, topErrorsDay: day)
    }
}

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
// | tags               | none                               |
// +--------------------+------------------------------------+

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
        sink.writeEmptyTaggedSection()
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
        try reader.skipTaggedSection("StatsReply")
        self.init(
            counts: counts, services: services, recordsAccepted: recordsAccepted,
            recordsDuplicate: recordsDuplicate, recordsStale: recordsStale, recordsRejected: recordsRejected,
            successesNotHeld: successesNotHeld, commandsDispatched: commandsDispatched,
            leasesExpired: leasesExpired, uptimeMs: uptimeMs)
    }
}

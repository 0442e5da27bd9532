import ArgumentParser
import CompWire

/// `report --saga-step N …`: the record is the forward of a saga step (Record tag 7, a SagaRef).
struct SagaRefOptions: ParsableArguments {
    @Option(name: .customLong("saga-step"), help: "This record is the forward of step N (0...99) of a saga.")
    var step: Int?
    @Option(help: "The saga id (default: the record's --correlation-id).") var saga: String?
    @Option(help: "With --saga-step: the function that undoes the step (same service and processor).")
    var compensation: String?
    @Flag(name: .customLong("last-step"), help: "With --saga-step: this step is the saga's last.") var lastStep = false
    @Option(name: .customLong("saga-deadline"), help: "With --saga-step: the saga's deadline, as a duration from now (e.g. 30s).")
    var sagaDeadline: String?

    func validate() throws {
        guard let step else {
            if saga != nil || compensation != nil || lastStep || sagaDeadline != nil {
                throw ValidationError("--saga, --compensation, --last-step and --saga-deadline go with --saga-step N")
            }
            return
        }
        guard (0...99).contains(step) else { throw ValidationError("--saga-step must be in 0...99; got \(step)") }
        if let saga { try validateName(saga, "--saga") }
        if let compensation, compensation.utf8.count > WireLimits.maxNameBytes {
            throw ValidationError("--compensation must be at most \(WireLimits.maxNameBytes) bytes of UTF-8")
        }
        _ = try parseDuration(sagaDeadline, "--saga-deadline")
    }

    /// The ref, or nil without `--saga-step`; `now` is the record's time (ms since the epoch).
    func ref(now: Int64) throws -> SagaRef? {
        guard let step else { return nil }
        let deadline = try parseDuration(sagaDeadline, "--saga-deadline").map { now + Int64(clamping: $0) }
        return SagaRef(sagaId: saga ?? "", step: UInt16(step), compensation: compensation ?? "",
                       last: lastStep ? true : nil, deadline: deadline)
    }
}

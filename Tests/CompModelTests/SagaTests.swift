import CompModel
import Testing

struct SagaTests {
    private static let order = SagaStepSpec(service: "order", forward: "create", compensation: "reject")
    private static let exchange = SagaStepSpec(service: "exchange", forward: "exchange", compensation: "refund")
    private static let point = SagaStepSpec(service: "point", forward: "use", compensation: "restore")

    private func saga(_ steps: [SagaStepSpec] = [order, exchange, point], deadline: Timestamp? = nil) -> Saga {
        Saga(id: "order-7", steps: steps, isClosed: true, deadline: deadline)
    }

    private func run(_ saga: inout Saga, _ inputs: [SagaInput]) throws -> [SagaEffect] {
        var effects: [SagaEffect] = []
        for input in inputs { effects += try saga.apply(input) }
        return effects
    }

    @Test("every step succeeding completes the saga, with no compensation and no deadline left")
    func happyPath() throws {
        var saga = saga(deadline: Timestamp(milliseconds: 1_000))
        #expect(saga.nextDeadline == Timestamp(milliseconds: 1_000))
        let effects = try run(&saga, [
            .forwardStarted(step: 0), .forwardSucceeded(step: 0), .forwardStarted(step: 1), .forwardSucceeded(step: 1),
            .forwardStarted(step: 2), .forwardSucceeded(step: 2),
        ])
        #expect(effects == [.status(.completed)])
        #expect(saga.status == .completed)
        #expect(saga.nextDeadline == nil)
        #expect(try saga.apply(.deadlineReached).isEmpty)  // a timer that fires late changes nothing
        #expect(saga.status == .completed)
    }

    @Test("a step failing unrecoverably aborts: only the steps that ran are compensated, last first, each once")
    func failureCompensatesInReverse() throws {
        var saga = saga()
        _ = try run(&saga, [.forwardSucceeded(step: 0), .forwardSucceeded(step: 1), .forwardStarted(step: 2)])
        let abort = try saga.apply(.forwardFailed(step: 2))
        #expect(abort == [.status(.aborting), .compensate(step: 1, forwardUnknown: false)])
        #expect(saga.abortCause == .stepFailed(2))
        #expect(saga.steps[2].compensation == .notNeeded)  // never took effect: null compensation
        #expect(try saga.apply(.compensationSucceeded(step: 1)) == [.compensate(step: 0, forwardUnknown: false)])
        #expect(try saga.apply(.compensationSucceeded(step: 1)).isEmpty)  // the result sent twice: one refund
        #expect(try saga.apply(.compensationSucceeded(step: 0)) == [.status(.compensated)])
        #expect(try saga.apply(.compensationSucceeded(step: 0)).isEmpty)
        #expect(saga.status == .compensated)
    }

    @Test("the deadline passing fences the running step, compensates it as forwardUnknown, and the pending one never runs")
    func deadlineWithSlowStep() throws {
        var saga = saga([Self.exchange, Self.point], deadline: Timestamp(milliseconds: 1_000))
        _ = try saga.apply(.forwardStarted(step: 0))
        let effects = try saga.apply(.deadlineReached)
        #expect(effects == [.fenceForward(step: 0), .status(.aborting), .compensate(step: 0, forwardUnknown: true)])
        #expect(saga.abortCause == .deadline)
        #expect(saga.nextDeadline == nil)
        // The slow exchange's success arrives late: its compensation is already asked; nothing more.
        #expect(try saga.apply(.forwardSucceeded(step: 0)).isEmpty)
        // The point service hears of it anyway and starts: fenced at once (hanging guard).
        #expect(try saga.apply(.forwardStarted(step: 1)) == [.fenceForward(step: 1)])
        #expect(try saga.apply(.compensationSucceeded(step: 0)) == [.status(.compensated)])
        #expect(saga.steps[1].compensation == .notNeeded)
    }

    @Test("a forward success after the saga is compensated, for a step thought never to have run, is compensated then")
    func lateSuccessReopens() throws {
        var saga = saga([Self.exchange, Self.point])
        _ = try run(&saga, [.forwardSucceeded(step: 0)])
        _ = try saga.apply(.abort)
        _ = try saga.apply(.compensationSucceeded(step: 0))
        #expect(saga.status == .compensated)
        let late = try saga.apply(.forwardSucceeded(step: 1))
        #expect(late == [.status(.aborting), .compensate(step: 1, forwardUnknown: false)])
        #expect(try saga.apply(.compensationSucceeded(step: 1)) == [.status(.compensated)])
    }

    @Test("a parked compensation makes the saga STUCK; a retry resumes it, a discard lets the abort go on")
    func stuckAndOperator() throws {
        var saga = saga()
        _ = try run(&saga, [.forwardSucceeded(step: 0), .forwardSucceeded(step: 1), .forwardSucceeded(step: 2)])
        #expect(saga.status == .completed)
        #expect(throws: SagaError.notAllowed("only a RUNNING saga can be aborted; this one is COMPLETED")) {
            _ = try saga.apply(.abort)
        }

        var open = self.saga()
        _ = try run(&open, [.forwardSucceeded(step: 0), .forwardSucceeded(step: 1)])
        #expect(try open.apply(.abort) == [.status(.aborting), .compensate(step: 1, forwardUnknown: false)])
        #expect(open.abortCause == .operatorAbort)
        #expect(try open.apply(.compensationParked(step: 1)) == [.status(.stuck)])
        #expect(throws: SagaError.notAllowed("step 0's compensation is not parked")) {
            _ = try open.apply(.compensationRetried(step: 0))
        }
        #expect(try open.apply(.compensationRetried(step: 1)) == [.status(.aborting)])
        #expect(try open.apply(.compensationParked(step: 1)) == [.status(.stuck)])
        #expect(try open.apply(.compensationDiscarded(step: 1)) == [.status(.aborting), .compensate(step: 0, forwardUnknown: false)])
        #expect(try open.apply(.compensationSucceeded(step: 0)) == [.status(.compensated)])
    }

    @Test("choreography: steps join as they start; the saga completes only once the last one said so")
    func choreography() throws {
        var saga = Saga(id: "c", steps: [], isClosed: false, deadline: nil)
        _ = try run(&saga, [.appendStep(Self.order, isLast: false), .forwardSucceeded(step: 0)])
        #expect(saga.status == .running)  // more may come
        _ = try run(&saga, [.appendStep(Self.exchange, isLast: true)])
        #expect(try saga.apply(.forwardSucceeded(step: 1)) == [.status(.completed)])
        #expect(throws: SagaError.closed) { _ = try saga.apply(.appendStep(Self.point, isLast: false)) }
        #expect(throws: SagaError.unknownStep(5)) { _ = try saga.apply(.forwardSucceeded(step: 5)) }
    }

    @Test("a refused input leaves the saga as it was")
    func refusalChangesNothing() throws {
        var saga = saga()
        let before = saga
        #expect(throws: SagaError.unknownStep(3)) { _ = try saga.apply(.forwardStarted(step: 3)) }
        #expect(saga == before)
    }

    @Test("random histories keep the guards: each step compensated at most once, last first, never one that never ran")
    func randomHistoriesKeepTheGuards() throws {
        var random = SplitMix64(seed: 2026)
        for _ in 0..<2_000 {
            let count = 1 + Int(random.next() % 4)
            var saga = Saga(
                id: "s", steps: (0..<count).map { SagaStepSpec(service: "s\($0)", forward: "f", compensation: "c") },
                isClosed: true, deadline: Timestamp(milliseconds: 10))
            var compensated: Set<Int> = []
            var everSucceeded: Set<Int> = []
            var everStarted: Set<Int> = []
            for _ in 0..<24 {
                let step = Int(random.next() % UInt64(count))
                let input: SagaInput = switch random.next() % 10 {
                case 0, 1: .forwardStarted(step: step)
                case 2, 3: .forwardSucceeded(step: step)
                case 4: .forwardFailed(step: step)
                case 5: .deadlineReached
                case 6, 7: .compensationSucceeded(step: step)
                case 8: .compensationParked(step: step)
                default: random.next() % 2 == 0 ? .compensationRetried(step: step) : .compensationDiscarded(step: step)
                }
                guard let effects = try? saga.apply(input) else { continue }
                if case .forwardStarted(let index) = input { everStarted.insert(index) }
                if case .forwardSucceeded(let index) = input { everSucceeded.insert(index); everStarted.insert(index) }
                if case .forwardFailed(let index) = input { everStarted.insert(index) }
                for case .compensate(let index, let unknown) in effects {
                    #expect(!compensated.contains(index), "step \(index) compensated twice")
                    compensated.insert(index)
                    // Never a compensation for a forward that never ran; a known one only after a success.
                    #expect(everStarted.contains(index))
                    if !unknown { #expect(everSucceeded.contains(index)) }
                    // Last first: every later step is settled.
                    for later in (index + 1)..<count {
                        let settled: Bool = switch saga.steps[later].compensation {
                        case .notNeeded, .succeeded, .discarded: true
                        default: false
                        }
                        #expect(settled, "step \(index) compensated before step \(later)")
                    }
                }
                if saga.status == .completed { #expect(compensated.isEmpty) }
                if saga.status == .compensated {
                    for step in saga.steps {
                        let settled: Bool = switch step.compensation {
                        case .notNeeded, .succeeded, .discarded: true
                        default: false
                        }
                        #expect(settled)
                    }
                }
            }
        }
    }

    @Test("steps declared out of order leave gaps: a gap never started needs no compensation, a later record fills it")
    func outOfOrderDeclaration() throws {
        var saga = Saga(id: "o", steps: [], isClosed: false, deadline: nil)
        _ = try saga.apply(.declareStep(2, Self.point, isLast: true))
        #expect(saga.steps.count == 3)
        #expect(saga.steps[0].spec == nil && saga.steps[1].spec == nil)
        #expect(saga.isClosed)
        #expect(throws: SagaError.closed) { _ = try saga.apply(.declareStep(3, Self.point, isLast: false)) }
        _ = try saga.apply(.declareStep(0, Self.order, isLast: false))
        _ = try saga.apply(.declareStep(0, Self.exchange, isLast: false))  // already declared: kept as it was
        #expect(saga.steps[0].spec == Self.order)
        _ = try run(&saga, [.forwardSucceeded(step: 0), .forwardSucceeded(step: 2)])
        #expect(saga.status == .running)  // step 1 is a gap: not every step succeeded
        #expect(try saga.apply(.forwardFailed(step: 2)).isEmpty)  // a failure after its success changes nothing
        let abort = try saga.apply(.abort)
        #expect(abort == [.status(.aborting), .compensate(step: 2, forwardUnknown: false)])
        #expect(saga.steps[1].compensation == .notNeeded)
        #expect(try saga.apply(.compensationSucceeded(step: 2)) == [.compensate(step: 0, forwardUnknown: false)])
        var empty = Saga(id: "x", steps: [], isClosed: false, deadline: nil)
        #expect(throws: SagaError.unknownStep(100)) { _ = try empty.apply(.declareStep(100, Self.order, isLast: false)) }
    }

    @Test("a saga restored from its stored fields goes on exactly as the original")
    func restoredSagaContinues() throws {
        var original = saga()
        _ = try run(&original, [.forwardSucceeded(step: 0), .forwardSucceeded(step: 1), .forwardStarted(step: 2)])
        _ = try original.apply(.deadlineReached)
        var restored = Saga(
            restoring: original.id, steps: try original.steps.map { step in
                SagaStep(
                    spec: step.spec, forward: try #require(SagaForwardState(rawValue: step.forward.rawValue)),
                    compensation: try #require(SagaCompensationState(
                        code: step.compensation.code, forwardUnknown: step.compensation.forwardUnknown)))
            }, isClosed: original.isClosed, deadline: original.deadline, status: original.status,
            abortCause: original.abortCause.flatMap { SagaAbortCause(code: $0.code, step: $0.step) })
        #expect(restored == original)
        #expect(try restored.apply(.compensationSucceeded(step: 1)) == original.apply(.compensationSucceeded(step: 1)))
        #expect(SagaAbortCause(code: 1, step: nil) == nil)
        #expect(SagaCompensationState(code: 7, forwardUnknown: false) == nil)
    }
}

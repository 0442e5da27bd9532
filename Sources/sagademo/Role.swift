/// One of the three services of the choreography (seed 004): the order service creates the order and starts
/// the saga, the exchange service deducts the exchanged amount, the point service deducts the points.
enum Role: String, CaseIterable {
    case order, exchange, point

    /// The saga step this role runs (compensation goes in reverse: point, exchange, order).
    var step: UInt16 {
        switch self {
        case .order: 0
        case .exchange: 1
        case .point: 2
        }
    }

    /// The forward's function name (the execution key's function).
    var forwardFunction: String {
        switch self {
        case .order: "create-order"
        case .exchange: "deduct-exchange"
        case .point: "deduct-point"
        }
    }

    /// The compensating function the broker asks for when the saga aborts.
    var compensationFunction: String {
        switch self {
        case .order: "cancel-order"
        case .exchange: "refund-exchange"
        case .point: "refund-point"
        }
    }

    /// The ledger operation of the forward's effect.
    var forwardOperation: String {
        switch self {
        case .order: "create"
        case .exchange, .point: "deduct"
        }
    }

    /// The ledger operation of the compensation's effect.
    var compensationOperation: String {
        switch self {
        case .order: "cancel"
        case .exchange, .point: "refund"
        }
    }

    /// True for the step that closes the saga's step list.
    var isLast: Bool { self == .point }
}

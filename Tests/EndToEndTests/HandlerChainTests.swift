import CompClient
import CompWire
import Foundation
import Testing

/// Ordered handler chains against a real compd and a real SQLite file: a chain is a saga of one service.
struct HandlerChainTests {
    struct OutOfStock: ReportableError {
        var errorDetails: ErrorDetails { ErrorDetails(code: "OUT_OF_STOCK", message: "no courier") }
        var recoverable: UInt8 { 2 }
    }

    /// Handlers that log their forward and cancel into `log(entry)`; the one named `failing` throws.
    func handlers(failing: String?) -> [ChainHandler] {
        ["reserve", "charge", "ship"].map { name in
            ChainHandler(
                function: name, cancelFunction: "un-\(name)",
                forward: { context in
                    if name == failing { throw OutOfStock() }
                    try context.database.run("INSERT INTO log (entry) VALUES (?1)", .text(name))
                },
                cancel: { context in
                    try context.database.run("INSERT INTO log (entry) VALUES (?1)", .text("un-\(name)"))
                })
        }
    }

    func log(_ database: ServiceDatabase) throws -> [String] {
        try database.query("SELECT entry FROM log ORDER BY rowid").compactMap { $0.first?.text }
    }

    @Test("a chain of three handlers failing at the third: the broker runs the cancels of the second, then the first, once each")
    func failingThirdCancelsInReverse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let database = try ServiceDatabase(path: directory.path + "/shop.db")
        try database.execute("CREATE TABLE log (entry TEXT NOT NULL)")
        let chain = HandlerChain(
            service: "shop", processor: "orders", handlers: handlers(failing: "ship"), reporter: try broker.reporter(),
            barrier: try SagaBarrier(database: database))
        let outcome = try chain.run(eventId: "evt-1", sagaId: "order-1")
        #expect(outcome == .failed(step: 2, error: ErrorDetails(code: "OUT_OF_STOCK", message: "no courier")))
        #expect(try log(database) == ["reserve", "charge"])

        let subscriber = try broker.subscriber(service: "shop", instance: "shop-1")
        let compensated = try eventually(30) {
            try chain.serve(subscriber, waitMilliseconds: 300)
            return try log(database).count >= 4
        }
        #expect(compensated)
        #expect(try log(database) == ["reserve", "charge", "un-charge", "un-reserve"])
        // Nothing more comes: each cancel ran once.
        #expect(try chain.serve(subscriber, waitMilliseconds: 500).isEmpty)
        #expect(try log(database).count == 4)
        #expect(broker.stop() == 0)
    }

    @Test("a chain whose handlers all succeed runs them in order and leaves nothing to compensate")
    func allSucceed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let database = try ServiceDatabase(path: directory.path + "/shop.db")
        try database.execute("CREATE TABLE log (entry TEXT NOT NULL)")
        let chain = HandlerChain(
            service: "shop", processor: "orders", handlers: handlers(failing: nil), reporter: try broker.reporter(),
            barrier: try SagaBarrier(database: database))
        #expect(try chain.run(eventId: "evt-2", sagaId: "order-2") == .completed)
        #expect(try log(database) == ["reserve", "charge", "ship"])
        let subscriber = try broker.subscriber(service: "shop", instance: "shop-1")
        #expect(try chain.serve(subscriber, waitMilliseconds: 500).isEmpty)
        #expect(broker.stop() == 0)
    }
}

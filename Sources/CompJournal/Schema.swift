/// The journal's schema and its migrations, applied in order under `PRAGMA user_version`.
///
/// ## Why these indexes (ingest pays for every one)
/// A random key in a large B-tree dirties its own page per row, and WAL writes whole pages, so every
/// index here is either append-friendly or partial over the *open* executions only:
/// - `journal_record` (UNIQUE record_id): dedupe; clients send time-ordered ids, so appends.
/// - `journal_execution` (execution_id WHERE execution_id <> seq): history, timeline, prune; results touch
///   the recent (open) range. Partial since version 10: a row that creates an execution has
///   `execution_id = seq` (an execution's id is the seq of the row that made it), so the primary key already
///   finds it; every read by execution is spelled as the creation row by seq plus the other rows through this
///   index (`Schema.executionRows`). A new failure, the write a failure storm is made of, inserts into one
///   B-tree fewer (callgrind: 4.8 % of its instructions).
/// The open-set predicate is spelled `isOpen` since version 3 (the reason is there).
/// - No open-key index since version 4: the key lookup of every record goes through `OpenKeys`, an exact
///   in-memory map from key hash to the open execution's id. The index (key_hash WHERE open) was random,
///   sized by the open set; with 100k open it was about half of the pages a group commit of new failures
///   wrote, and a key lookup through it cost more than the map and a read by id.
/// - `executions_due` (service, next_retry_at, id, key_hash, status WHERE FAILED): leasing and the scheduler's next wake-up.
/// - `executions_lease` (lease_until, id, key_hash, status WHERE PREPARED): expiry; appends (now + timeout).
/// - `executions_status` (status, id, key_hash WHERE PARKED or DISCARDED): lists of those statuses, newest first. FAILED
///   and PREPARED lists walk the table newest first by id and stop at the page size, so a new failure, a
///   lease and a result (the hot transitions) never touch this index.
/// - `executions_finished` (updated_at WHERE SUCCEEDED or DISCARDED): prune, oldest first; appends.
/// - No correlation index since version 3. Correlation ids are random keys: even over the open set only,
///   every new failure dirtied its own leaf page of that index, and with 100k open (compbench, 1M stored)
///   it was about 45 % of the pages a group commit of new failures wrote (WAL frames counted with strace:
///   19.8k writes without dropping it, 11.0k after). A list by correlation walks the table newest first
///   by id and stops at the page size (an incident's correlations are recent, so it stops early); the
///   timeline, which includes finished executions, always scanned. Both run on the admin thread's reader
///   connection, never blocking ingest.
/// The trailing `key_hash` of those three lets the start load the open-key map from index pages alone.
/// Lists by function use the status index when a status is given, and scan otherwise: a function
/// index cost a B-tree insert per new execution for a rarely used filter.
/// Counts per status live in `status_counts`, kept by the writer, so `counts()` reads a few rows; failed
/// attempts per 5 minutes, service and code live in `failure_counts` (version 6), kept the same way.
enum Schema {
    /// One step: the SQL that takes the file from `version - 1` to `version`.
    struct Migration {
        var version: Int64
        var sql: String
    }

    /// Every migration, in order. Never edit a released one; append.
    static let migrations: [Migration] = [
        Migration(version: 1, sql: """
            CREATE TABLE journal (
                seq          INTEGER PRIMARY KEY,
                record_id    BLOB,
                execution_id INTEGER NOT NULL,
                at           INTEGER NOT NULL,
                kind         INTEGER NOT NULL,
                body         BLOB NOT NULL,
                summary      TEXT NOT NULL
            );
            CREATE UNIQUE INDEX journal_record ON journal(record_id) WHERE record_id IS NOT NULL;
            CREATE INDEX journal_execution ON journal(execution_id);

            CREATE TABLE executions (
                id                   INTEGER PRIMARY KEY,
                service              TEXT NOT NULL,
                processor            TEXT NOT NULL,
                function             TEXT NOT NULL,
                event_id             TEXT NOT NULL,
                key_hash             INTEGER NOT NULL,
                correlation_id       TEXT NOT NULL,
                status               INTEGER NOT NULL,
                park_reason          INTEGER,
                recoverable          INTEGER NOT NULL,
                marked_by_operator   INTEGER NOT NULL,
                retries              INTEGER NOT NULL,
                max_retries          INTEGER NOT NULL,
                min_backoff_ms       INTEGER NOT NULL,
                max_backoff_ms       INTEGER NOT NULL,
                execution_timeout_ms INTEGER NOT NULL,
                jitter_permille      INTEGER NOT NULL,
                deadline             INTEGER,
                next_retry_at        INTEGER,
                lease_token          INTEGER,
                lease_holder         TEXT,
                lease_granted_at     INTEGER,
                lease_until          INTEGER,
                error_code           TEXT NOT NULL,
                error_message        TEXT NOT NULL,
                error_detail         TEXT NOT NULL,
                payload              BLOB NOT NULL,
                created_at           INTEGER NOT NULL,
                updated_at           INTEGER NOT NULL
            );
            CREATE INDEX executions_open_key ON executions(key_hash) WHERE status IN (1, 2, 4);
            CREATE INDEX executions_due ON executions(service, next_retry_at) WHERE status = 1;
            CREATE INDEX executions_lease ON executions(lease_until) WHERE status = 2;
            CREATE INDEX executions_status ON executions(status) WHERE status IN (4, 5);
            CREATE INDEX executions_finished ON executions(updated_at) WHERE status IN (3, 5);
            CREATE INDEX executions_correlation ON executions(correlation_id)
                WHERE correlation_id <> '' AND status IN (1, 2, 4);

            CREATE TABLE status_counts (
                status      INTEGER NOT NULL,
                park_reason INTEGER NOT NULL,
                count       INTEGER NOT NULL,
                PRIMARY KEY (status, park_reason)
            ) WITHOUT ROWID;

            CREATE TABLE services (
                name   TEXT PRIMARY KEY,
                paused INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE meta (
                name  TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(version: 2, sql: """
            ALTER TABLE executions ADD COLUMN returns INTEGER NOT NULL DEFAULT 0;
            PRAGMA application_id = \(applicationId);
            """),
        // The open-key index with its predicate spelled without an IN list (see `isOpen`), rebuilt: this reads
        // the table once (seconds on a store of millions; once, at the first start of this build). The
        // correlation index goes (see the type's comment).
        Migration(version: 3, sql: """
            DROP INDEX executions_open_key;
            CREATE INDEX executions_open_key ON executions(key_hash) WHERE \(isOpen);
            DROP INDEX executions_correlation;
            """),
        // The open-key index goes: `OpenKeys` holds the open executions by key in memory (see the type's comment).
        // The three indexes over the open statuses gain `id, key_hash` (and `status`, which SQLite 3.40 needs
        // in a partial index to call it covering) as trailing columns, so loading that map at start reads
        // index pages only instead of one table row per open execution (30k open in a 300k store:
        // 170 ms by rowid, 11 ms from the index); it costs no B-tree operation more, only bytes in entries
        // written anyway. `id` is named before `key_hash` so ties keep their order by id (oldest first).
        // Rebuilding them reads the table (seconds on a store of millions; once, at the first start of this build).
        Migration(version: 4, sql: """
            DROP INDEX executions_open_key;
            DROP INDEX executions_due;
            CREATE INDEX executions_due ON executions(service, next_retry_at, id, key_hash, status) WHERE status = 1;
            DROP INDEX executions_lease;
            CREATE INDEX executions_lease ON executions(lease_until, id, key_hash, status) WHERE status = 2;
            DROP INDEX executions_status;
            CREATE INDEX executions_status ON executions(status, id, key_hash) WHERE status IN (4, 5);
            """),
        // Views for people reading the file with the `sqlite3` shell (docs/STORE.md): codes as words, times as
        // ISO 8601 UTC text. Nothing in compd reads them; they cost nothing on writes. The words are the ones
        // `ExecutionStatus`, `ParkReason`, `Recoverability` and `EntryKind` print (ReadableViewTests pins each).
        Migration(version: 5, sql: """
            CREATE VIEW executions_readable AS
            SELECT
                id,
                service,
                processor,
                function,
                event_id,
                correlation_id,
                CASE status
                    WHEN 1 THEN 'FAILED' WHEN 2 THEN 'PREPARED' WHEN 3 THEN 'SUCCEEDED' WHEN 4 THEN 'PARKED'
                    WHEN 5 THEN 'DISCARDED' ELSE 'status ' || status
                END AS status,
                CASE park_reason
                    WHEN 1 THEN 'exhausted' WHEN 2 THEN 'unrecoverable' WHEN 3 THEN 'deadline' WHEN 4 THEN 'manual'
                    ELSE 'reason ' || park_reason
                END AS park_reason,
                CASE recoverable
                    WHEN 0 THEN 'unknown' WHEN 1 THEN 'recoverable' WHEN 2 THEN 'unrecoverable'
                    ELSE 'recoverable ' || recoverable
                END AS recoverable,
                CASE marked_by_operator WHEN 0 THEN 'no' ELSE 'yes' END AS marked_by_operator,
                retries,
                max_retries,
                returns,
                min_backoff_ms,
                max_backoff_ms,
                execution_timeout_ms,
                jitter_permille,
                \(isoText("deadline")) AS deadline,
                \(isoText("next_retry_at")) AS next_retry_at,
                lease_token,
                lease_holder,
                \(isoText("lease_granted_at")) AS lease_granted_at,
                \(isoText("lease_until")) AS lease_until,
                error_code,
                error_message,
                error_detail,
                length(payload) AS payload_bytes,
                \(isoText("created_at")) AS created_at,
                \(isoText("updated_at")) AS updated_at
            FROM executions;

            CREATE VIEW journal_readable AS
            SELECT
                seq,
                \(isoText("at")) AS at,
                CASE kind
                    WHEN 1 THEN 'failure' WHEN 2 THEN 'success' WHEN 3 THEN 'failure-result'
                    WHEN 4 THEN 'success-result' WHEN 5 THEN 'stale' WHEN 6 THEN 'leased' WHEN 7 THEN 'extended'
                    WHEN 8 THEN 'timeout' WHEN 9 THEN 'retry' WHEN 10 THEN 'apply-spec' WHEN 11 THEN 'mark'
                    WHEN 12 THEN 'change-function' WHEN 13 THEN 'park' WHEN 14 THEN 'discard' WHEN 15 THEN 'returned'
                    ELSE 'kind ' || kind
                END AS kind,
                execution_id,
                CASE WHEN record_id IS NOT NULL THEN lower(hex(record_id)) END AS record_id,  -- hex(NULL) is ''
                summary
            FROM journal;
            """),
        // Who did an operator action (`actor`, NULL on every other row and on rows written before this version:
        // adding a NULL column rewrites nothing), and the failure rollup the console's overview reads:
        // failed attempts per 5-minute step, service and error code, kept by the writer in the same transaction
        // (a few upserts per commit, like `status_counts`), pruned after two days. The readable view shows the actor.
        Migration(version: 6, sql: """
            ALTER TABLE journal ADD COLUMN actor TEXT;
            CREATE TABLE failure_counts (
                bucket  INTEGER NOT NULL,
                service TEXT NOT NULL,
                code    TEXT NOT NULL,
                count   INTEGER NOT NULL,
                PRIMARY KEY (bucket, service, code)
            ) WITHOUT ROWID;
            DROP VIEW journal_readable;
            CREATE VIEW journal_readable AS
            SELECT
                seq,
                \(isoText("at")) AS at,
                CASE kind
                    WHEN 1 THEN 'failure' WHEN 2 THEN 'success' WHEN 3 THEN 'failure-result'
                    WHEN 4 THEN 'success-result' WHEN 5 THEN 'stale' WHEN 6 THEN 'leased' WHEN 7 THEN 'extended'
                    WHEN 8 THEN 'timeout' WHEN 9 THEN 'retry' WHEN 10 THEN 'apply-spec' WHEN 11 THEN 'mark'
                    WHEN 12 THEN 'change-function' WHEN 13 THEN 'park' WHEN 14 THEN 'discard' WHEN 15 THEN 'returned'
                    ELSE 'kind ' || kind
                END AS kind,
                execution_id,
                CASE WHEN record_id IS NOT NULL THEN lower(hex(record_id)) END AS record_id,  -- hex(NULL) is ''
                summary,
                actor
            FROM journal;
            """),
        // Pause and resume of a service become journal rows (kinds 16 and 17, execution_id 0, the service name as
        // body, with the actor), so the audit trail and the notifiers (which follow the journal) see them. The
        // readable view takes the kind words from a table from now on: a later kind is one INSERT, not the
        // whole view written out again.
        Migration(version: 7, sql: """
            CREATE TABLE entry_kinds (
                kind INTEGER PRIMARY KEY,
                name TEXT NOT NULL
            );
            INSERT INTO entry_kinds (kind, name) VALUES
                (1, 'failure'), (2, 'success'), (3, 'failure-result'), (4, 'success-result'), (5, 'stale'),
                (6, 'leased'), (7, 'extended'), (8, 'timeout'), (9, 'retry'), (10, 'apply-spec'), (11, 'mark'),
                (12, 'change-function'), (13, 'park'), (14, 'discard'), (15, 'returned'), (16, 'paused'),
                (17, 'resumed');
            DROP VIEW journal_readable;
            CREATE VIEW journal_readable AS
            SELECT
                journal.seq AS seq,
                \(isoText("journal.at")) AS at,
                coalesce(entry_kinds.name, 'kind ' || journal.kind) AS kind,
                journal.execution_id AS execution_id,
                CASE WHEN journal.record_id IS NOT NULL THEN lower(hex(journal.record_id)) END AS record_id,
                journal.summary AS summary,
                journal.actor AS actor
            FROM journal LEFT JOIN entry_kinds ON entry_kinds.kind = journal.kind;
            """),
        // Sagas (issue 13): the saga projection, written by the writer in the same transaction as the journal rows
        // it comes from, and `saga_journal`, the seqs of the journal rows that belong to each saga (its records, the
        // rows of its linked executions, its own rows), so `saga show` reads them by saga id. Two partial indexes
        // beyond the design's: the scheduler's earliest deadline of a RUNNING saga, and the saga of a forward
        // execution (a late result of a fenced forward names only its execution). Four journal kinds: `started`
        // (an intent, issue 13's client half), `saga-step` (a saga input), `saga-status` (a status change),
        // `compensate` (creates a compensation execution). Nothing non-saga writes these tables.
        Migration(version: 8, sql: """
            CREATE TABLE sagas (
                id          TEXT PRIMARY KEY,
                status      INTEGER NOT NULL,
                closed      INTEGER NOT NULL,
                deadline    INTEGER,
                abort_cause INTEGER,
                abort_step  INTEGER,
                created_at  INTEGER NOT NULL,
                updated_at  INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX sagas_status ON sagas(status, updated_at);
            CREATE INDEX sagas_deadline ON sagas(deadline) WHERE status = 1 AND deadline IS NOT NULL;
            CREATE TABLE saga_steps (
                saga_id                   TEXT NOT NULL,
                step                      INTEGER NOT NULL,
                service                   TEXT NOT NULL,
                processor                 TEXT NOT NULL,
                event_id                  TEXT NOT NULL,
                forward                   TEXT NOT NULL,
                compensation              TEXT NOT NULL,
                retry_spec                BLOB,
                forward_state             INTEGER NOT NULL,
                compensation_state        INTEGER NOT NULL,
                forward_unknown           INTEGER NOT NULL,
                forward_execution_id      INTEGER,
                compensation_execution_id INTEGER,
                payload                   BLOB NOT NULL,
                PRIMARY KEY (saga_id, step)
            ) WITHOUT ROWID;
            CREATE INDEX saga_steps_forward ON saga_steps(forward_execution_id) WHERE forward_execution_id IS NOT NULL;
            CREATE TABLE saga_journal (
                saga_id TEXT NOT NULL,
                seq     INTEGER NOT NULL,
                PRIMARY KEY (saga_id, seq)
            ) WITHOUT ROWID;
            INSERT INTO entry_kinds (kind, name) VALUES
                (18, 'started'), (19, 'saga-step'), (20, 'saga-status'), (21, 'compensate');
            """),
        // Keys (issue 15): who may talk to compd. Not part of the projection (a rebuild never touches them);
        // the secret is sealed (AES-GCM under DATA/master.key), never stored in the clear. role: 1 subscriber,
        // 2 operator. IF NOT EXISTS so a test that takes a file back to an older version and forward again works.
        Migration(version: 9, sql: """
            CREATE TABLE IF NOT EXISTS keys (
                id            TEXT PRIMARY KEY,
                name          TEXT NOT NULL,
                role          INTEGER NOT NULL,
                sealed_secret BLOB NOT NULL,
                created_at    INTEGER NOT NULL,
                revoked_at    INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS key_services (
                key_id  TEXT NOT NULL,
                service TEXT NOT NULL,
                PRIMARY KEY (key_id, service)
            ) WITHOUT ROWID;
            """),
        // Issue 9: `journal_execution` leaves out the rows that create an execution (`execution_id = seq`),
        // which the primary key finds (see the type's comment). Rebuilding it reads the journal once (seconds on a
        // store of millions; once, at the first start of this build).
        Migration(version: 10, sql: """
            DROP INDEX journal_execution;
            CREATE INDEX journal_execution ON journal(execution_id) WHERE execution_id <> seq;
            """),
    ]

    /// The width of one `failure_counts` bucket: 5 minutes.
    static let failureBucketMilliseconds: Int64 = 5 * 60 * 1000

    /// The SQL that shows `column`, milliseconds since the Unix epoch, as `Timestamp.iso8601` does
    /// (`2023-11-14T22:13:20.123Z`), exactly (integer arithmetic, no floating point); NULL stays NULL, and so
    /// does a time before 1970 or after 9999 (a time no execution has). Part of migration 5: never change it.
    static func isoText(_ column: String) -> String {
        "CASE WHEN \(column) BETWEEN 0 AND 253402300799999 THEN "
            + "strftime('%Y-%m-%dT%H:%M:%S', \(column) / 1000, 'unixepoch') || printf('.%03dZ', \(column) % 1000) END"
    }

    /// The open statuses (FAILED, PREPARED, PARKED) as the partial indexes and the queries that use them
    /// spell it. Not `status IN (1, 2, 4)`: SQLite evaluates an IN list of three or more constants through
    /// a temporary B-tree it builds each time, and a partial index's WHERE is evaluated on every INSERT and
    /// every UPDATE of the status; with the two such indexes of version 2 that was about a third of the
    /// instructions of a group commit of new failures (callgrind). A query must repeat this text exactly for the planner to
    /// use the index.
    static let isOpen = "(status = 1 OR status = 2 OR status = 4)"

    /// A SELECT of `columns` (which must include `seq`) from the journal rows of the executions `ids` (an IN
    /// list: `(?1)` or a subquery) that also meet `condition`, in seq order, followed by `tail` (a LIMIT).
    /// Two parts the planner serves from indexes: each creation row by primary key (its seq is the execution's
    /// id), the other rows through the partial `journal_execution` (version 10).
    static func executionRows(_ columns: String, of ids: String, and condition: String = "1", tail: String = "")
        -> String
    {
        "SELECT \(columns) FROM journal WHERE seq IN \(ids) AND execution_id = seq AND \(condition) UNION ALL "
            + "SELECT \(columns) FROM journal WHERE execution_id IN \(ids) AND execution_id <> seq AND \(condition) "
            + "ORDER BY seq\(tail.isEmpty ? "" : " " + tail)"
    }


    /// `PRAGMA application_id` of a compd journal ("CMPD"), so a file can be told apart from other SQLite files.
    static let applicationId: Int32 = 0x434D_5044

    /// The version a fully migrated file has.
    static var latestVersion: Int64 { migrations.last?.version ?? 0 }

    /// Brings the file to `latestVersion`, each step in its own transaction.
    ///
    /// - Throws: `JournalError` when a step fails, or when the file is newer than this code.
    static func migrate(_ connection: Connection) throws(JournalError) {
        let current = try connection.scalarInt("PRAGMA user_version") ?? 0
        guard current <= latestVersion else {
            throw .misuse("the journal file has schema version \(current); this build knows up to \(latestVersion)")
        }
        for migration in migrations where migration.version > current {
            try connection.inTransaction { () throws(JournalError) in
                try connection.execute(migration.sql)
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
        }
    }
}

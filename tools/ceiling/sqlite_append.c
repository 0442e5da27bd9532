/*
 * ceiling-sqlite: the storage ceiling for the broker's load benchmark.
 *
 * Measures how many rows per second SQLite can append on this machine when
 * nothing else happens: a table t(id INTEGER PRIMARY KEY, body BLOB) with no
 * index but its rowid, WAL journal, the given synchronous level, one prepared
 * INSERT, and a COMMIT every `batch` rows.  No schema choice of the broker can
 * beat this number.
 *
 * Each repetition starts from a fresh database file (the db, -wal and -shm
 * files are removed, then the table is created, untimed).  The timed part is
 * inserting and committing all N rows, including the automatic WAL
 * checkpoints SQLite runs on the way (default: every 1000 pages).  Each body is
 * B bytes of a fixed pattern with the row number in its first 8 bytes.
 *
 * Output: one JSON line with the median rows/s over the repetitions, plus min
 * and max.  Exit status 0 on success, 1 on any error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#include <sqlite3.h>

struct options {
    const char *db;
    uint32_t rows;
    uint32_t batch;
    uint32_t record_bytes;
    const char *sync; /* "full" or "normal" */
    uint32_t repeat;
};

static double now_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* sqlite3_exec callback: copies the first column of the first row into arg (char[16]). */
static int first_value(void *arg, int ncols, char **values, char **names)
{
    (void)names;
    char *out = arg;
    if (ncols > 0 && values[0] != NULL && out[0] == '\0') snprintf(out, 16, "%s", values[0]);
    return 0;
}

/* Removes the database and its WAL/shm companions; missing files are fine. */
static int remove_db(const char *path)
{
    static const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char name[4096];
        int n = snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        if (n < 0 || (size_t)n >= sizeof name) { fprintf(stderr, "path too long\n"); return -1; }
        if (unlink(name) != 0 && errno != ENOENT) { perror(name); return -1; }
    }
    return 0;
}

/* One repetition: fresh database, N rows appended; returns rows/s or -1. */
static double run_once(const struct options *o, unsigned char *body)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *insert = NULL;
    double result = -1;
    char pragma[64];

    if (remove_db(o->db) != 0) return -1;
    if (sqlite3_open(o->db, &db) != SQLITE_OK) {
        fprintf(stderr, "open %s: %s\n", o->db, db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }
    snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", o->sync);
    char mode[16] = "";
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", first_value, mode, NULL) != SQLITE_OK
        || strcmp(mode, "wal") != 0) {
        fprintf(stderr, "cannot switch %s to WAL (journal_mode=%s): %s\n", o->db, mode, sqlite3_errmsg(db));
        goto done;
    }
    if (exec_sql(db, pragma) != 0
        || exec_sql(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)") != 0)
        goto done;
    if (sqlite3_prepare_v2(db, "INSERT INTO t(id, body) VALUES (?, ?)", -1, &insert, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
        goto done;
    }

    double t0 = now_s();
    for (uint32_t row = 0; row < o->rows;) {
        if (exec_sql(db, "BEGIN") != 0) goto done;
        uint32_t end = row + o->batch < o->rows ? row + o->batch : o->rows;
        for (; row < end; row++) {
            uint64_t id = (uint64_t)row + 1;
            memcpy(body, &id, o->record_bytes < 8 ? o->record_bytes : 8);
            if (sqlite3_bind_int64(insert, 1, (sqlite3_int64)id) != SQLITE_OK
                || sqlite3_bind_blob(insert, 2, body, (int)o->record_bytes, SQLITE_STATIC) != SQLITE_OK
                || sqlite3_step(insert) != SQLITE_DONE
                || sqlite3_reset(insert) != SQLITE_OK) {
                fprintf(stderr, "insert row %" PRIu64 ": %s\n", id, sqlite3_errmsg(db));
                goto done;
            }
        }
        if (exec_sql(db, "COMMIT") != 0) goto done;
    }
    double elapsed = now_s() - t0;
    result = elapsed > 0 ? (double)o->rows / elapsed : 0;

done:
    if (sqlite3_finalize(insert) != SQLITE_OK) result = -1;
    if (db != NULL && sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "close: %s\n", sqlite3_errmsg(db));
        result = -1;
    }
    return result;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: ceiling-sqlite --db PATH --rows N [--batch 1000] --record-bytes B\n"
            "                      [--sync full|normal] [--repeat K]\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){ NULL, 0, 1000, 0, "full", 1 };
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc) return -1;
        const char *v = argv[++i];
        if (strcmp(k, "--db") == 0) o->db = v;
        else if (strcmp(k, "--rows") == 0) { if (parse_u32(v, 1, &o->rows)) return -1; }
        else if (strcmp(k, "--batch") == 0) { if (parse_u32(v, 1, &o->batch)) return -1; }
        else if (strcmp(k, "--record-bytes") == 0) { if (parse_u32(v, 1, &o->record_bytes)) return -1; }
        else if (strcmp(k, "--repeat") == 0) { if (parse_u32(v, 1, &o->repeat)) return -1; }
        else if (strcmp(k, "--sync") == 0) {
            if (strcmp(v, "full") != 0 && strcmp(v, "normal") != 0) return -1;
            o->sync = v;
        } else return -1;
    }
    if (o->db == NULL || o->rows == 0 || o->record_bytes == 0) return -1;
    if (o->record_bytes > (1u << 24) || o->repeat > 1000) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_args(argc, argv, &o) != 0) { usage(); return 1; }

    unsigned char *body = malloc(o.record_bytes);
    double *rates = malloc(o.repeat * sizeof *rates);
    int rc = 1;
    if (body == NULL || rates == NULL) { fprintf(stderr, "out of memory\n"); goto out; }
    for (uint32_t i = 0; i < o.record_bytes; i++) body[i] = (unsigned char)('a' + i % 26);

    for (uint32_t r = 0; r < o.repeat; r++) {
        rates[r] = run_once(&o, body);
        if (rates[r] < 0) goto out;
    }
    if (remove_db(o.db) != 0) goto out;

    qsort(rates, o.repeat, sizeof *rates, cmp_double);
    double median = o.repeat % 2 ? rates[o.repeat / 2]
                                 : (rates[o.repeat / 2 - 1] + rates[o.repeat / 2]) / 2;
    printf("{\"rows_per_second\":%.0f,\"rows_per_second_min\":%.0f,\"rows_per_second_max\":%.0f,"
           "\"rows\":%" PRIu32 ",\"batch\":%" PRIu32 ",\"record_bytes\":%" PRIu32
           ",\"sync\":\"%s\",\"repeat\":%" PRIu32 ",\"sqlite\":\"%s\"}\n",
           median, rates[0], rates[o.repeat - 1], o.rows, o.batch, o.record_bytes, o.sync,
           o.repeat, sqlite3_libversion());
    rc = fflush(stdout) == 0 ? 0 : 1;

out:
    free(rates);
    free(body);
    return rc;
}

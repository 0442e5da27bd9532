#ifndef COMP_CSQLITE_SHIM_H
#define COMP_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import; this is the same value.
static inline sqlite3_destructor_type comp_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type comp_sqlite_static(void) { return SQLITE_STATIC; }

/// sqlite3_config is variadic, which Swift cannot call. Turns off SQLite's memory statistics, so its
/// allocator does not take the global memory mutex on every malloc and free; effective only before
/// SQLite initializes (the first open), SQLITE_MISUSE (harmless) after.
static inline int comp_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#include <string.h>

// MARK: The WAL write-combining VFS ("comp-wal")
//
// SQLite writes each WAL frame with two pwrite calls (its 24-byte header, then the page): a group commit of new
// failures made some 45,000 pwrite calls a second on the writer thread, each paying the system call and the file
// system's per-call work. This VFS wraps the default one and, for WAL files only, gathers contiguous writes in a
// buffer and writes them with one pwrite (of at most 124 KiB, see `comp_wal_max_write`):
// - before the commit frame of a transaction is complete in the file: a frame header whose bytes 4-7 (the database
//   size after a commit, zero in every other frame; SQLite's documented WAL format) are non-zero flushes the buffer
//   with it, and the write after it (the commit frame's page) goes straight to the file. SQLite publishes a commit
//   in the WAL index only after its frames are written, so no other connection can see a commit whose frames are
//   still here, and the caller's fdatasync after the commit covers them;
// - before every read, sync, size query, truncation and close of the file, and when a write is neither contiguous
//   with the buffer nor inside it (an in-place overwrite of a frame inside the buffer patches the buffer).
// A failed flush is returned by the call that flushed and keeps what it could not write for the next one, so a
// commit whose frames could not be written fails, and a checkpoint whose pages could not be written fails at its
// sync instead of recording progress.
// Every other file (the database, its shared memory, journals) is the wrapped VFS's own, untouched.
//
// "comp-ckpt" does the same for the main database file of the checkpointer's connection: a checkpoint copies the
// WAL's pages into the database file in ascending page order, one pwrite a page (some 23,000 a second in a storm),
// most of them in long contiguous runs. Those writes are combined and flushed before any other call on the file:
// its sync (which a checkpoint makes before it records its progress), the checkpoint-done file control SQLite sends
// right after the copy even without a sync, a truncation, a lock or unlock, and the WAL index's shared memory.

typedef struct CompWalFile {
    sqlite3_file base;         /* pMethods: comp_wal_methods() (a WAL) or comp_wal_database_methods() */
    sqlite3_file *real;        /* the wrapped VFS's file, allocated right after this struct */
    unsigned char *buffer;     /* contiguous pending bytes, allocated at the first write */
    int capacity;
    int used;
    sqlite3_int64 start;       /* the file offset of buffer[0] */
    int writeThrough;          /* the next write goes to the file at once (the commit frame's page) */
    int isDatabase;            /* a main database file (comp-ckpt): no commit frames, flushed before any other call */
} CompWalFile;

/// The VFS's state, in a function so that every Swift module importing this header shares one definition
/// (a global `static` in a header is not emitted for Swift's use).
typedef struct CompWalState {
    sqlite3_vfs *wrapped;      /* the default VFS when registered */
    int capacity;              /* buffer bytes per file */
    sqlite3_vfs vfs;           /* "comp-wal": WAL files buffered */
    sqlite3_vfs checkpointVfs; /* "comp-ckpt": main database files buffered */
} CompWalState;

static inline CompWalState *comp_wal_state(void) {
    static CompWalState state;
    return &state;
}

/// The most bytes one write to the wrapped VFS may carry: the unix VFS keeps only the low 17 bits of a write's
/// length (`seekAndWriteFd`: SQLite never writes more than a page and a frame header at once), so the buffer
/// goes out in pieces of at most this many bytes.
static inline int comp_wal_max_write(void) { return 0x1f000; }

static inline int comp_wal_flush(CompWalFile *file) {
    int done = 0;
    while (done < file->used) {
        int piece = file->used - done < comp_wal_max_write() ? file->used - done : comp_wal_max_write();
        int rc = file->real->pMethods->xWrite(file->real, file->buffer + done, piece, file->start + done);
        if (rc != SQLITE_OK) {
            // Nothing buffered is ever dropped: what was not written stays, and every later call that flushes
            // writes it or reports the error again. SQLite ignores the result of some calls (file-control hints:
            // a checkpoint's "done" hint, a size hint), so dropping it there would lose pages SQLite believes
            // written; it then fails at its sync or at the commit frame instead.
            memmove(file->buffer, file->buffer + done, (size_t)(file->used - done));
            file->start += done;
            file->used -= done;
            return rc;
        }
        done += piece;
    }
    file->used = 0;
    return SQLITE_OK;
}

static inline int comp_wal_close(sqlite3_file *f) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    int closed = file->real->pMethods->xClose(file->real);
    sqlite3_free(file->buffer);
    file->buffer = 0;
    return rc != SQLITE_OK ? rc : closed;
}

static inline int comp_wal_read(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

/// Whether `data` holds a WAL frame header of a commit frame: a 24-byte header alone, or a header followed by a
/// page (24 + a power of two) in one write.
static inline int comp_wal_is_commit_header(const void *data, int amount, sqlite3_int64 offset) {
    if (offset < 32 || amount < 24) return 0;
    int rest = amount - 24;
    if (rest != 0 && (rest < 512 || (rest & (rest - 1)) != 0)) return 0;
    const unsigned char *header = (const unsigned char *)data;
    return (header[4] | header[5] | header[6] | header[7]) != 0;
}

static inline int comp_wal_write(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    CompWalFile *file = (CompWalFile *)f;
    int rc;
    if (file->writeThrough) {
        file->writeThrough = 0;
        rc = comp_wal_flush(file);
        if (rc != SQLITE_OK) return rc;
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    int commit = !file->isDatabase && comp_wal_is_commit_header(data, amount, offset);
    if (file->used > 0) {
        sqlite3_int64 end = file->start + file->used;
        if (offset == end && amount <= file->capacity - file->used) {
            memcpy(file->buffer + file->used, data, (size_t)amount);
            file->used += amount;
            goto buffered;
        }
        if (offset >= file->start && offset + amount <= end) {
            memcpy(file->buffer + (offset - file->start), data, (size_t)amount);
            goto buffered;
        }
        rc = comp_wal_flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (amount > comp_wal_max_write() || amount >= file->capacity) {
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (file->buffer == 0) {
        file->buffer = (unsigned char *)sqlite3_malloc(file->capacity);
        if (file->buffer == 0) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    memcpy(file->buffer, data, (size_t)amount);
    file->used = amount;
    file->start = offset;
buffered:
    if (!commit) return SQLITE_OK;
    // A header alone: its page is the next write, which goes through at once.
    file->writeThrough = amount == 24;
    return comp_wal_flush(file);
}

static inline int comp_wal_truncate(sqlite3_file *f, sqlite3_int64 size) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xTruncate(file->real, size);
}

static inline int comp_wal_sync(sqlite3_file *f, int flags) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xSync(file->real, flags);
}

static inline int comp_wal_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileSize(file->real, size);
}

static inline int comp_wal_lock(sqlite3_file *f, int level) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xLock(file->real, level);
}

static inline int comp_wal_unlock(sqlite3_file *f, int level) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xUnlock(file->real, level);
}

static inline int comp_wal_check_reserved_lock(sqlite3_file *f, int *out) {
    sqlite3_file *real = ((CompWalFile *)f)->real;
    return real->pMethods->xCheckReservedLock(real, out);
}

// The shared-memory and memory-map methods of a main database file (comp-ckpt): flushed first, then the
// wrapped file's (the WAL index lives there; a checkpoint publishes its progress through it).
static inline int comp_wal_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, out);
}

static inline int comp_wal_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}

static inline void comp_wal_shm_barrier(sqlite3_file *f) {
    CompWalFile *file = (CompWalFile *)f;
    (void)comp_wal_flush(file);  /* xShmBarrier cannot fail; a failed write fails the next call that flushes */
    file->real->pMethods->xShmBarrier(file->real);
}

static inline int comp_wal_shm_unmap(sqlite3_file *f, int deleteFlag) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static inline int comp_wal_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFetch(file->real, offset, amount, out);
}

static inline int comp_wal_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *page) {
    sqlite3_file *real = ((CompWalFile *)f)->real;
    return real->pMethods->xUnfetch(real, offset, page);
}

static inline int comp_wal_file_control(sqlite3_file *f, int op, void *arg) {
    CompWalFile *file = (CompWalFile *)f;
    int rc = comp_wal_flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileControl(file->real, op, arg);
}

static inline int comp_wal_sector_size(sqlite3_file *f) {
    sqlite3_file *real = ((CompWalFile *)f)->real;
    return real->pMethods->xSectorSize(real);
}

static inline int comp_wal_device_characteristics(sqlite3_file *f) {
    sqlite3_file *real = ((CompWalFile *)f)->real;
    return real->pMethods->xDeviceCharacteristics(real);
}

static inline const sqlite3_io_methods *comp_wal_methods(void) {
    static const sqlite3_io_methods methods = {
        1, comp_wal_close, comp_wal_read, comp_wal_write, comp_wal_truncate, comp_wal_sync, comp_wal_file_size,
        comp_wal_lock, comp_wal_unlock, comp_wal_check_reserved_lock, comp_wal_file_control, comp_wal_sector_size,
        comp_wal_device_characteristics,
    };
    return &methods;
}

static inline const sqlite3_io_methods *comp_wal_database_methods(void) {
    static const sqlite3_io_methods methods = {
        3, comp_wal_close, comp_wal_read, comp_wal_write, comp_wal_truncate, comp_wal_sync, comp_wal_file_size,
        comp_wal_lock, comp_wal_unlock, comp_wal_check_reserved_lock, comp_wal_file_control, comp_wal_sector_size,
        comp_wal_device_characteristics, comp_wal_shm_map, comp_wal_shm_lock, comp_wal_shm_barrier,
        comp_wal_shm_unmap, comp_wal_fetch, comp_wal_unfetch,
    };
    return &methods;
}

static inline int comp_wal_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *outFlags) {
    CompWalState *state = comp_wal_state();
    int isDatabase = vfs == &state->checkpointVfs;
    int buffered = isDatabase ? (flags & SQLITE_OPEN_MAIN_DB) != 0 : (flags & SQLITE_OPEN_WAL) != 0;
    if (!buffered) return state->wrapped->xOpen(state->wrapped, name, f, flags, outFlags);
    CompWalFile *file = (CompWalFile *)f;
    memset(file, 0, sizeof(CompWalFile));
    file->real = (sqlite3_file *)(file + 1);
    int rc = state->wrapped->xOpen(state->wrapped, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        if (file->real->pMethods) file->real->pMethods->xClose(file->real);
        file->base.pMethods = 0;
        return rc;
    }
    if (isDatabase && file->real->pMethods->iVersion < 3) {
        file->real->pMethods->xClose(file->real);
        file->base.pMethods = 0;
        return SQLITE_CANTOPEN;
    }
    file->capacity = state->capacity;
    file->isDatabase = isDatabase;
    file->base.pMethods = isDatabase ? comp_wal_database_methods() : comp_wal_methods();
    return SQLITE_OK;
}

static inline int comp_wal_delete(sqlite3_vfs *v, const char *name, int syncDir) {
    (void)v; return comp_wal_state()->wrapped->xDelete(comp_wal_state()->wrapped, name, syncDir);
}
static inline int comp_wal_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
    (void)v; return comp_wal_state()->wrapped->xAccess(comp_wal_state()->wrapped, name, flags, out);
}
static inline int comp_wal_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out) {
    (void)v; return comp_wal_state()->wrapped->xFullPathname(comp_wal_state()->wrapped, name, n, out);
}
static inline void *comp_wal_dl_open(sqlite3_vfs *v, const char *name) {
    (void)v; return comp_wal_state()->wrapped->xDlOpen(comp_wal_state()->wrapped, name);
}
static inline void comp_wal_dl_error(sqlite3_vfs *v, int n, char *out) {
    (void)v; comp_wal_state()->wrapped->xDlError(comp_wal_state()->wrapped, n, out);
}
static inline void (*comp_wal_dl_sym(sqlite3_vfs *v, void *handle, const char *symbol))(void) {
    (void)v; return comp_wal_state()->wrapped->xDlSym(comp_wal_state()->wrapped, handle, symbol);
}
static inline void comp_wal_dl_close(sqlite3_vfs *v, void *handle) {
    (void)v; comp_wal_state()->wrapped->xDlClose(comp_wal_state()->wrapped, handle);
}
static inline int comp_wal_randomness(sqlite3_vfs *v, int n, char *out) {
    (void)v; return comp_wal_state()->wrapped->xRandomness(comp_wal_state()->wrapped, n, out);
}
static inline int comp_wal_sleep(sqlite3_vfs *v, int micros) {
    (void)v; return comp_wal_state()->wrapped->xSleep(comp_wal_state()->wrapped, micros);
}
static inline int comp_wal_current_time(sqlite3_vfs *v, double *out) {
    (void)v; return comp_wal_state()->wrapped->xCurrentTime(comp_wal_state()->wrapped, out);
}
static inline int comp_wal_get_last_error(sqlite3_vfs *v, int n, char *out) {
    (void)v; return comp_wal_state()->wrapped->xGetLastError ? comp_wal_state()->wrapped->xGetLastError(comp_wal_state()->wrapped, n, out) : 0;
}
static inline int comp_wal_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out) {
    (void)v; return comp_wal_state()->wrapped->xCurrentTimeInt64(comp_wal_state()->wrapped, out);
}

/// The name of the WAL write-combining VFS, to pass to `sqlite3_open_v2`.
static inline const char *comp_wal_vfs_name(void) { return "comp-wal"; }

/// The name of the checkpointer's VFS: writes to the main database file combined the same way (a checkpoint
/// copies pages in ascending order, most of them in long contiguous runs at the file's end), flushed before any
/// other call on the file (its sync, the checkpoint-done file control, a lock, the WAL index).
static inline const char *comp_ckpt_vfs_name(void) { return "comp-ckpt"; }

static inline void comp_wal_fill(sqlite3_vfs *vfs, sqlite3_vfs *wrapped, const char *name) {
    memset(vfs, 0, sizeof(sqlite3_vfs));
    vfs->iVersion = 2;
    vfs->szOsFile = (int)sizeof(CompWalFile) + wrapped->szOsFile;
    vfs->mxPathname = wrapped->mxPathname;
    vfs->zName = name;
    vfs->xOpen = comp_wal_open;
    vfs->xDelete = comp_wal_delete;
    vfs->xAccess = comp_wal_access;
    vfs->xFullPathname = comp_wal_full_pathname;
    vfs->xDlOpen = comp_wal_dl_open;
    vfs->xDlError = comp_wal_dl_error;
    vfs->xDlSym = comp_wal_dl_sym;
    vfs->xDlClose = comp_wal_dl_close;
    vfs->xRandomness = comp_wal_randomness;
    vfs->xSleep = comp_wal_sleep;
    vfs->xCurrentTime = comp_wal_current_time;
    vfs->xGetLastError = comp_wal_get_last_error;
    vfs->xCurrentTimeInt64 = comp_wal_current_time_int64;
}

/// Registers both write-combining VFSes (not as the default) over the default VFS, with a buffer of
/// `bufferBytes` per buffered file. Call once, before the first open that names them; SQLITE_OK, or SQLite's error.
static inline int comp_wal_register(int bufferBytes) {
    sqlite3_vfs *wrapped = sqlite3_vfs_find(0);
    if (wrapped == 0) return SQLITE_ERROR;
    if (wrapped->iVersion < 2) return SQLITE_ERROR;
    CompWalState *state = comp_wal_state();
    state->wrapped = wrapped;
    state->capacity = bufferBytes < 65536 ? 65536 : bufferBytes;
    comp_wal_fill(&state->vfs, wrapped, comp_wal_vfs_name());
    comp_wal_fill(&state->checkpointVfs, wrapped, comp_ckpt_vfs_name());
    int rc = sqlite3_vfs_register(&state->vfs, 0);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_vfs_register(&state->checkpointVfs, 0);
}
#endif

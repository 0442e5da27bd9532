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
#endif

#ifndef COMP_CSQLITE_SHIM_H
#define COMP_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import; this is the same value.
static inline sqlite3_destructor_type comp_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type comp_sqlite_static(void) { return SQLITE_STATIC; }
#endif

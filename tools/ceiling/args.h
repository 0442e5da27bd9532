/* Argument parsing shared by the ceiling programs. */
#ifndef CEILING_ARGS_H
#define CEILING_ARGS_H
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Parses a decimal u32 of at least `min`; 0 on success, -1 on anything else. */
static inline int parse_u32(const char *s, uint32_t min, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > UINT32_MAX) return -1;
    *out = (uint32_t)v;
    return 0;
}
#endif

/* Test harness for the native scanners (scan.c), loaded by the tests with ctypes or built as
   a command-line driver (-DSCAN_DRIVER) for sanitizer runs. Not part of the package. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scan.h"
#include "unicode_props.h"

/* The LC_P_* property bits of a code point, read from the generated table. */
unsigned lc_test_props(uint32_t cp)
{
    return cp > 0x10FFFF ? 0u : lc_prop_blocks[lc_prop_stage1[cp >> 8]][cp & 0xFF];
}

/* Writes the end of each piece of s into ends (at most cap of them); returns how many pieces
   there are, or (size_t)-1 if a piece was empty or ran past the text. */
size_t lc_test_cuts(int kind, const unsigned char *s, size_t len, size_t *ends, size_t cap)
{
    size_t n = 0, pos = 0;
    while (pos < len) {
        size_t end = lc_scan_next((lc_scan_kind)kind, s, len, pos);
        if (end <= pos || end > len)
            return (size_t)-1;
        if (n < cap)
            ends[n] = end;
        n++;
        pos = end;
    }
    return n;
}

/* Scans the whole text `reps` times; returns the number of pieces (for benchmarks). */
size_t lc_test_count(int kind, const unsigned char *s, size_t len, int reps)
{
    size_t n = 0;
    for (int r = 0; r < reps; r++)
        n = lc_test_cuts(kind, s, len, NULL, 0);
    return n;
}

#ifdef SCAN_DRIVER
/* scan_driver KIND FILE: prints the end offset of every piece of FILE, one per line. */
int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s KIND FILE\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f)
        return 1;
    size_t cap = 1 << 16, len = 0;
    unsigned char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap)
            s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (!s)
        return 1;
    /* an exact-size copy, so that ASan sees any read past the end */
    unsigned char *text = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        text[i] = s[i];
    free(s);
    lc_scan_kind kind = (lc_scan_kind)atoi(argv[1]);
    for (size_t pos = 0; pos < len;) {
        size_t end = lc_scan_next(kind, text, len, pos);
        if (end <= pos || end > len)
            return 3;
        printf("%zu\n", end);
        pos = end;
    }
    free(text);
    return 0;
}
#endif

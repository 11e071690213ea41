/* TEMPORARY stub of the scanner contract (scan.h) until branch native-scan lands: no pattern is
   known, so the engine only merges pieces (make_bpe) and never takes whole texts. */
#include "scan.h"

lc_scan_kind lc_scan_kind_of(const char *pattern, size_t len) {
    (void)pattern;
    (void)len;
    return LC_SCAN_NONE;
}

size_t lc_scan_next(lc_scan_kind kind, const unsigned char *s, size_t len, size_t pos) {
    (void)kind;
    (void)s;
    (void)pos;
    return len;
}

/* Contract between the native scanner (branch native-scan) and the native engine
   (branch native-engine) of plugins/llm_cost_native/. The scanner side owns
   plugins/llm_cost_native/src/scan.c, scan.h (this file, copied there), and the generated
   unicode property table header; the engine side owns everything else in the package. */
#ifndef LLM_COST_SCAN_H
#define LLM_COST_SCAN_H
#include <stddef.h>

typedef enum {
    LC_SCAN_NONE = -1,   /* a pattern this scanner does not know: use the Python scanner */
    LC_SCAN_O200K = 0,   /* tiktoken's o200k_base pattern (also o200k_harmony) */
    LC_SCAN_CL100K = 1,  /* tiktoken's cl100k_base pattern */
    LC_SCAN_R50K = 2,    /* tiktoken's r50k_base / gpt2 / p50k_base / p50k_edit pattern */
} lc_scan_kind;

/* The kind whose pattern is exactly `pattern` (UTF-8, `len` bytes), else LC_SCAN_NONE.
   Exact string comparison with the pattern strings the plugins register (which are tiktoken's). */
lc_scan_kind lc_scan_kind_of(const char *pattern, size_t len);

/* The byte offset just past the piece that starts at `pos` in `s`, exactly as tiktoken's
   regex (findall/find_iter) would cut it. `s` is `len` bytes of valid UTF-8 (no surrogates;
   the caller guarantees it), 0 <= pos < len, and `pos` is the end of the previous piece (or 0).
   Pieces are contiguous for these patterns: repeated calls from 0 cover the whole text.
   Pure function: no allocation, no global state, safe to call without the GIL from any thread. */
size_t lc_scan_next(lc_scan_kind kind, const unsigned char *s, size_t len, size_t pos);

#endif

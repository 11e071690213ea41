/* Pre-tokenizer scanners for tiktoken's o200k_base, cl100k_base and r50k_base patterns.

   Each scanner is the pattern's alternatives written out by hand, in the pattern's order, with
   the outcome that a backtracking regex engine (tiktoken's fancy-regex, leftmost-first) reaches
   worked out once for each quantifier, so no state is ever revisited more than a few times:
   every piece costs a small constant times its own length plus the run of characters that ends
   it, and a run that ends one piece is not rescanned more than a bounded number of times by the
   pieces after it. No allocation, no recursion, no global state.

   Text is UTF-8, decoded on the fly: bytes below 0x80 read their properties from the first
   block of the table, other code points through the two-stage table of unicode_props.h, which
   tools/gen_unicode_tables.py reads off tiktoken itself (its Unicode version, not the
   system's). Malformed UTF-8 is outside the contract, but never read past `len`: a bad byte
   counts as one character with no properties (a symbol). */
#include "scan.h"

#include <stdint.h>
#include <string.h>

#include "unicode_props.h"

/* The patterns exactly as tiktoken 0.14's tiktoken_ext/openai_public.py spells them. */
static const char O200K_PATTERN[] =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char CL100K_PATTERN[] =
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+"
    "| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";
static const char R50K_PATTERN[] =
    "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s";

static int same(const char *pattern, size_t len, const char *known, size_t known_len)
{
    return len == known_len && memcmp(pattern, known, len) == 0;
}

lc_scan_kind lc_scan_kind_of(const char *pattern, size_t len)
{
    if (pattern == NULL)
        return LC_SCAN_NONE;
    if (same(pattern, len, O200K_PATTERN, sizeof O200K_PATTERN - 1))
        return LC_SCAN_O200K;
    if (same(pattern, len, CL100K_PATTERN, sizeof CL100K_PATTERN - 1))
        return LC_SCAN_CL100K;
    if (same(pattern, len, R50K_PATTERN, sizeof R50K_PATTERN - 1))
        return LC_SCAN_R50K;
    return LC_SCAN_NONE;
}

/* ---- characters ---------------------------------------------------------------------- */

#define ASCII_PROPS (lc_prop_blocks[0]) /* lc_prop_stage1[0] is 0: the block of U+0000-00FF */

/* Whether s[i] is an ASCII character with one of the bits in `any` (i < len). */
#define ASCII_HAS(s, i, any) ((s)[i] < 0x80 && (ASCII_PROPS[(s)[i]] & (any)))

/* Class tests on a property byte. */
#define IS_L(c) ((c) & LC_P_L)
#define IS_N(c) ((c) & LC_P_N)
#define IS_WS(c) ((c) & LC_P_WS)
/* [^\r\n\p{L}\p{N}]: the optional leading character of a word */
#define IS_LEAD(c) (!((c) & (LC_P_NL | LC_P_L | LC_P_N)))
/* [^\s\p{L}\p{N}]: punctuation, symbols, marks, controls, unassigned */
#define IS_PUNCT(c) (!((c) & (LC_P_WS | LC_P_L | LC_P_N)))

/* The code point at s[i] (i < len), and where the next one starts. */
static inline uint32_t decode(const unsigned char *s, size_t len, size_t i, size_t *next)
{
    unsigned b = s[i];
    if (b < 0x80) {
        *next = i + 1;
        return b;
    }
    size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (n == 1 || b >= 0xF8 || n > len - i) {
        *next = i + 1; /* not UTF-8: one character with no properties */
        return 0xFFFFFFFFu;
    }
    uint32_t cp = b & (0x7Fu >> n);
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (s[i + k] & 0x3Fu);
    *next = i + n;
    return cp;
}

static inline unsigned props_of(uint32_t cp)
{
    if (cp < 0x80)
        return ASCII_PROPS[cp];
    if (cp > 0x10FFFF)
        return 0;
    return lc_prop_blocks[lc_prop_stage1[cp >> 8]][cp & 0xFF];
}

/* The properties of the character at s[i] (i < len), and where the next one starts. */
static inline unsigned props_at(const unsigned char *s, size_t len, size_t i, size_t *next)
{
    unsigned b = s[i];
    if (b < 0x80) {
        *next = i + 1;
        return ASCII_PROPS[b];
    }
    return props_of(decode(s, len, i, next));
}

/* The end of the longest run from i of characters that have one of the bits in `any`. ASCII
   bytes are tested in a tight loop; other characters are decoded. */
static inline size_t run_of(const unsigned char *s, size_t len, size_t i, unsigned any)
{
    while (i < len) {
        unsigned b = s[i];
        if (b < 0x80) {
            if (!(ASCII_PROPS[b] & any))
                break;
            i++;
            continue;
        }
        size_t next;
        if (!(props_of(decode(s, len, i, &next)) & any))
            break;
        i = next;
    }
    return i;
}

/* The end of the longest run from i of [^\s\p{L}\p{N}]. */
static inline size_t punct_run(const unsigned char *s, size_t len, size_t i)
{
    while (i < len) {
        unsigned b = s[i];
        if (b < 0x80) {
            if (!IS_PUNCT(ASCII_PROPS[b]))
                break;
            i++;
            continue;
        }
        size_t next;
        if (!IS_PUNCT(props_of(decode(s, len, i, &next))))
            break;
        i = next;
    }
    return i;
}

/* The lower-case contraction letter that the character at s[i] matches case-insensitively
   (as tiktoken folds), or 0; `next` is where the character ends. */
static inline char fold_at(const unsigned char *s, size_t len, size_t i, size_t *next)
{
    uint32_t cp = decode(s, len, i, next);
    if (cp < 0x80)
        return lc_fold_ascii[cp];
    for (size_t k = 0; k < LC_FOLD_OTHER_COUNT; k++)
        if (lc_fold_other[k].cp == cp)
            return lc_fold_other[k].letter;
    return 0;
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d) at i: the end of the contraction, or 0 when there is none. */
static size_t contraction_ci(const unsigned char *s, size_t len, size_t i)
{
    size_t a, b;
    if (i + 1 >= len || s[i] != '\'')
        return 0;
    switch (fold_at(s, len, i + 1, &a)) {
    case 's':
    case 'd':
    case 'm':
    case 't':
        return a;
    case 'l':
        return a < len && fold_at(s, len, a, &b) == 'l' ? b : 0;
    case 'r':
    case 'v':
        return a < len && fold_at(s, len, a, &b) == 'e' ? b : 0;
    default:
        return 0;
    }
}

/* '(?:[sdmt]|ll|ve|re) at i, case-sensitive: the end of the contraction, or 0. */
static size_t contraction_cs(const unsigned char *s, size_t len, size_t i)
{
    if (i + 1 >= len || s[i] != '\'')
        return 0;
    switch (s[i + 1]) {
    case 's':
    case 'd':
    case 'm':
    case 't':
        return i + 2;
    case 'l':
        return i + 2 < len && s[i + 2] == 'l' ? i + 3 : 0;
    case 'v':
    case 'r':
        return i + 2 < len && s[i + 2] == 'e' ? i + 3 : 0;
    default:
        return 0;
    }
}

/* The whitespace run from p (s[p] is White_Space), as the \s branches need it. */
typedef struct {
    size_t end;         /* end of the longest run of \s from p */
    size_t last;        /* start of the run's last character */
    size_t after_break; /* end of the run's last CR or LF, 0 if it has none */
} ws_run;

static inline ws_run whitespace_run(const unsigned char *s, size_t len, size_t p)
{
    ws_run r = {p, p, 0};
    while (r.end < len) {
        size_t next;
        unsigned c = props_at(s, len, r.end, &next);
        if (!IS_WS(c))
            break;
        if (c & LC_P_NL)
            r.after_break = next;
        r.last = r.end;
        r.end = next;
    }
    return r;
}

/* ---- o200k_base ---------------------------------------------------------------------- */
/* Upper-ish is [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (LC_P_UP), lower-ish [\p{Ll}\p{Lm}\p{Lo}\p{M}]
   (LC_P_LO); the two overlap on Lm, Lo and M. */

/* [upper-ish]*[lower-ish]+ from i: its end, or 0 when it does not match. The greedy upper-ish
   run goes to its end e; if a lower-ish character follows, the lower-ish run takes over from e.
   Otherwise the regex gives back upper-ish characters until one is also lower-ish, and the
   match ends just after it (the last lower-ish character of the run), or fails. */
static inline size_t o200k_lower_word(const unsigned char *s, size_t len, size_t i)
{
    size_t after_lower = 0;
    while (i < len) {
        size_t next;
        unsigned c = props_at(s, len, i, &next);
        if (!(c & LC_P_UP))
            return c & LC_P_LO ? run_of(s, len, next, LC_P_LO) : after_lower;
        if (c & LC_P_LO)
            after_lower = next;
        i = next;
    }
    return after_lower;
}

/* [upper-ish]+[lower-ish]* from i: its end, or 0. Both runs are greedy and nothing after them
   can fail, so neither gives anything back. */
static inline size_t o200k_upper_word(const unsigned char *s, size_t len, size_t i)
{
    size_t next;
    if (i >= len || !(props_at(s, len, i, &next) & LC_P_UP))
        return 0;
    return run_of(s, len, run_of(s, len, next, LC_P_UP), LC_P_LO);
}

static inline size_t o200k_word_end(const unsigned char *s, size_t len, size_t end)
{
    size_t c = end < len && s[end] == '\'' ? contraction_ci(s, len, end) : 0;
    return c ? c : end;
}

static size_t o200k_next(const unsigned char *s, size_t len, size_t p)
{
    size_t n0, end;

    /* The common case first, as branch 1 takes it: an ASCII lower-case letter, or a space
       and one, starts a word that no upper-case-like run precedes. */
    if (ASCII_HAS(s, p, LC_P_LO))
        return o200k_word_end(s, len, run_of(s, len, p + 1, LC_P_LO));
    if (s[p] == ' ' && p + 1 < len && ASCII_HAS(s, p + 1, LC_P_LO))
        return o200k_word_end(s, len, run_of(s, len, p + 2, LC_P_LO));

    unsigned c0 = props_at(s, len, p, &n0);

    /* 1 and 2: [^\r\n\p{L}\p{N}]?  then the words; the optional lead is tried first taken. */
    int lead = IS_LEAD(c0);
    if (lead && (end = o200k_lower_word(s, len, n0)))
        return o200k_word_end(s, len, end);
    if ((c0 & (LC_P_UP | LC_P_LO)) && (end = o200k_lower_word(s, len, p)))
        return o200k_word_end(s, len, end);
    if (lead && (end = o200k_upper_word(s, len, n0)))
        return o200k_word_end(s, len, end);
    if ((end = o200k_upper_word(s, len, p)))
        return o200k_word_end(s, len, end);

    /* 3: \p{N}{1,3} */
    if (IS_N(c0)) {
        end = n0;
        for (int k = 1; k < 3 && end < len; k++) {
            size_t next;
            if (!IS_N(props_at(s, len, end, &next)))
                break;
            end = next;
        }
        return end;
    }

    /* 4:  ?[^\s\p{L}\p{N}]+[\r\n/]* */
    end = 0;
    if (s[p] == ' ' && n0 < len) {
        size_t n1;
        if (IS_PUNCT(props_at(s, len, n0, &n1)))
            end = punct_run(s, len, n1);
    }
    if (!end && IS_PUNCT(c0))
        end = punct_run(s, len, n0);
    if (end) {
        while (end < len && (s[end] == '\r' || s[end] == '\n' || s[end] == '/'))
            end++;
        return end;
    }

    /* Only White_Space is left. 5: \s*[\r\n]+  6: \s+(?!\S)  7: \s+ */
    ws_run r = whitespace_run(s, len, p);
    if (r.after_break)
        return r.after_break;
    if (r.end == len || r.last == p)
        return r.end;
    return r.last;
}

/* ---- cl100k_base --------------------------------------------------------------------- */

static size_t cl100k_next(const unsigned char *s, size_t len, size_t p)
{
    size_t n0, end;

    /* The common case first, as branch 2 takes it: an ASCII letter, or a space and one. */
    if (ASCII_HAS(s, p, LC_P_L))
        return run_of(s, len, p + 1, LC_P_L);
    if (s[p] == ' ' && p + 1 < len && ASCII_HAS(s, p + 1, LC_P_L))
        return run_of(s, len, p + 2, LC_P_L);

    unsigned c0 = props_at(s, len, p, &n0);

    /* 1: '(?i:[sdmt]|ll|ve|re) */
    if ((end = contraction_ci(s, len, p)))
        return end;

    /* 2: [^\r\n\p{L}\p{N}]?+\p{L}++ : a lead, once taken, is never given back. */
    if (IS_LEAD(c0)) {
        size_t n1;
        if (n0 < len && IS_L(props_at(s, len, n0, &n1)))
            return run_of(s, len, n1, LC_P_L);
    } else if (IS_L(c0)) {
        return run_of(s, len, n0, LC_P_L);
    }

    /* 3: \p{N}{1,3}+ */
    if (IS_N(c0)) {
        end = n0;
        for (int k = 1; k < 3 && end < len; k++) {
            size_t next;
            if (!IS_N(props_at(s, len, end, &next)))
                break;
            end = next;
        }
        return end;
    }

    /* 4:  ?[^\s\p{L}\p{N}]++[\r\n]*+ */
    end = 0;
    if (s[p] == ' ' && n0 < len) {
        size_t n1;
        if (IS_PUNCT(props_at(s, len, n0, &n1)))
            end = punct_run(s, len, n1);
    }
    if (!end && IS_PUNCT(c0))
        end = punct_run(s, len, n0);
    if (end) {
        while (end < len && (s[end] == '\r' || s[end] == '\n'))
            end++;
        return end;
    }

    /* White_Space. 5: \s++$  6: \s*[\r\n]  7: \s+(?!\S)  8: \s */
    ws_run r = whitespace_run(s, len, p);
    if (r.end == len)
        return len;
    if (r.after_break)
        return r.after_break;
    if (r.last != p)
        return r.last;
    return n0;
}

/* ---- r50k_base (also gpt2, p50k_base, p50k_edit) ------------------------------------- */

static size_t r50k_next(const unsigned char *s, size_t len, size_t p)
{
    size_t n0, end;

    /* The common case first, as branch 2 takes it: an ASCII letter, or a space and one. */
    if (ASCII_HAS(s, p, LC_P_L))
        return run_of(s, len, p + 1, LC_P_L);
    if (s[p] == ' ' && p + 1 < len && ASCII_HAS(s, p + 1, LC_P_L))
        return run_of(s, len, p + 2, LC_P_L);

    unsigned c0 = props_at(s, len, p, &n0);

    /* 1: '(?:[sdmt]|ll|ve|re) */
    if ((end = contraction_cs(s, len, p)))
        return end;

    /* 2, 3, 4:  ?\p{L}++ |  ?\p{N}++ |  ?[^\s\p{L}\p{N}]++ : a space joins the run after it. */
    size_t from = n0;
    unsigned c = c0;
    if (s[p] == ' ' && n0 < len) {
        size_t n1;
        unsigned c1 = props_at(s, len, n0, &n1);
        if (!IS_WS(c1)) {
            from = n1;
            c = c1;
        }
    }
    if (IS_L(c))
        return run_of(s, len, from, LC_P_L);
    if (IS_N(c))
        return run_of(s, len, from, LC_P_N);
    if (!IS_WS(c))
        return punct_run(s, len, from);

    /* White_Space. 5: \s++$  6: \s+(?!\S)  7: \s */
    ws_run r = whitespace_run(s, len, p);
    if (r.end == len)
        return len;
    if (r.last != p)
        return r.last;
    return n0;
}

size_t lc_scan_next(lc_scan_kind kind, const unsigned char *s, size_t len, size_t pos)
{
    if (s == NULL || pos >= len)
        return len;
    switch (kind) {
    case LC_SCAN_O200K:
        return o200k_next(s, len, pos);
    case LC_SCAN_CL100K:
        return cl100k_next(s, len, pos);
    case LC_SCAN_R50K:
        return r50k_next(s, len, pos);
    default:
        return len; /* a pattern this scanner does not know: the rest is one piece */
    }
}

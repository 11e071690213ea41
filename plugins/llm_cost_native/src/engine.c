/* llm_cost_native._native: tiktoken's byte-pair merge in C, over a rank map given as flat
   arrays (the flat vocab read in place, or arrays built from a dict), and whole texts scanned
   and merged in one call for the patterns scan.h knows, with the GIL released.

   Merge order is tiktoken's: among adjacent parts whose concatenation is a token, merge the
   lowest rank, leftmost on ties, until none is left. Short pieces use tiktoken's own list merge
   (quadratic in a small bound, the fastest there); long ones a linked list of parts with
   buckets of candidates per rank (linear while merges only make higher ranks), handing over to
   a heap of (rank, start) otherwise, which pops in the same order: n log n for any vocabulary. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <pthread.h>
#define LC_THREADS 1
#define FETCH_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define SET_FIRST(p, v)                                                                         \
    do {                                                                                        \
        int none_ = OK;                                                                         \
        __atomic_compare_exchange_n((p), &none_, (v), 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);  \
    } while (0)
#else /* no threads here yet: batches run on the calling thread */
#define LC_THREADS 0
#define FETCH_ADD(p, v) ((*(p) += (v)) - (v))
#define LOAD(p) (*(p))
#define SET_FIRST(p, v) (*(p) = *(p) ? *(p) : (v))
#endif

#include "scan.h"

#define NO_RANK UINT32_MAX
#define SHORT_PIECE 128 /* longer pieces take the bucket (and heap) merge */
#define CACHE_KEY 29    /* longest piece the piece cache remembers */
#define CACHE_IDS 8     /* most ids a cache entry holds (more: it holds the count only) */
#define CACHE_BITS 16   /* entries per cache: 2**16 of 64 bytes, 4 MB, touched lazily */
#define POOL_MAX 64     /* idle caches an engine keeps for later calls */
#define MAX_THREADS 256

/* -- hashing: CRC-32 (zlib's), the hash of the flat vocab's own table -------------------- */

static uint32_t crc_tables[8][256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_tables[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc_tables[t][i] = (crc_tables[t - 1][i] >> 8) ^ crc_tables[0][crc_tables[t - 1][i] & 0xff];
}

static inline uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* zlib.crc32(p[:n]), slicing by 8 (then by 4) */
static inline uint32_t crc32_bytes(const uint8_t *p, size_t n) {
    const uint32_t(*T)[256] = (const uint32_t(*)[256])crc_tables;
    uint32_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint32_t a = le32(p) ^ c, b = le32(p + 4);
        c = T[7][a & 0xff] ^ T[6][(a >> 8) & 0xff] ^ T[5][(a >> 16) & 0xff] ^ T[4][a >> 24] ^
            T[3][b & 0xff] ^ T[2][(b >> 8) & 0xff] ^ T[1][(b >> 16) & 0xff] ^ T[0][b >> 24];
        p += 8;
        n -= 8;
    }
    if (n >= 4) { /* most pieces are short: four bytes in one step, not four */
        uint32_t a = le32(p) ^ c;
        c = T[3][a & 0xff] ^ T[2][(a >> 8) & 0xff] ^ T[1][(a >> 16) & 0xff] ^ T[0][a >> 24];
        p += 4;
        n -= 4;
    }
    while (n--)
        c = T[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static inline int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    while (n >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        n -= 8;
    }
    if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        if (x != y)
            return 0;
        a += 4;
        b += 4;
        n -= 4;
    }
    while (n--)
        if (*a++ != *b++)
            return 0;
    return 1;
}

/* -- the engine -------------------------------------------------------------------------- */

typedef struct {
    uint8_t len; /* 0: empty */
    uint8_t count;
    uint8_t has_ids;
    uint8_t key[CACHE_KEY];
    uint32_t ids[CACHE_IDS];
} CacheEntry; /* 64 bytes */

#define CACHE_MASK ((((size_t)1) << CACHE_BITS) - 1)

typedef struct {
    PyObject_HEAD
    Py_buffer blob, offsets, ranks, index; /* held: the arrays are read in place */
    const uint8_t *bytes;
    const uint32_t *off;
    const uint32_t *rk;
    size_t n;
    const uint32_t *table; /* linear probing by CRC-32: token index + 1, 0 for empty */
    uint32_t *own_table;   /* the table, when built here (no flat vocab) */
    size_t mask;
    uint32_t byte_rank[256];
    uint32_t longest;    /* the longest token's bytes */
    uint32_t *pair_rank; /* 65536: the rank of each two-byte token */
    int kind;            /* lc_scan_kind of the spec's pattern */
    CacheEntry *gil_cache; /* for piece calls, which keep the GIL */
    CacheEntry *pool[POOL_MAX];
    int npool;
} Engine;

static inline uint32_t vocab_find(const Engine *e, const uint8_t *p, size_t len, uint32_t h) {
    size_t i = (size_t)h & e->mask;
    for (;;) {
        uint32_t s = e->table[i];
        if (!s)
            return NO_RANK;
        uint32_t a = e->off[s - 1];
        if (e->off[s] - a == len && same_bytes(e->bytes + a, p, len))
            return e->rk[s - 1];
        i = (i + 1) & e->mask;
    }
}

static inline uint32_t rank_of(const Engine *e, const uint8_t *p, size_t len) {
    if (len == 2)
        return e->pair_rank[(size_t)p[0] << 8 | p[1]];
    return vocab_find(e, p, len, crc32_bytes(p, len));
}

/* A growable array of ids. */
typedef struct {
    uint32_t *d;
    size_t len, cap;
} Vec;

static int vec_push(Vec *v, uint32_t x) {
    if (v->len == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        uint32_t *d = realloc(v->d, cap * sizeof *d);
        if (!d)
            return -1;
        v->d = d;
        v->cap = cap;
    }
    v->d[v->len++] = x;
    return 0;
}

enum { OK = 0, E_NOMEM = 1, E_NOBYTE = 2, E_SCAN = 3, E_TOOLONG = 4 };
#define FAIL ((size_t)-1)

/* Merge a piece of 2..SHORT_PIECE bytes that is not a token; the number of parts, with their
   ids appended to `ids` when it is not NULL. */
static size_t merge_short(const Engine *e, const uint8_t *p, size_t len, Vec *ids, int *err) {
    uint32_t pos[SHORT_PIECE + 1], pair[SHORT_PIECE], tok[SHORT_PIECE];
    size_t m = len, i;
    for (i = 0; i <= len; i++)
        pos[i] = (uint32_t)i;
    for (i = 0; i + 1 < len; i++)
        pair[i] = rank_of(e, p + i, 2);
    if (ids)
        for (i = 0; i < len; i++)
            tok[i] = e->byte_rank[p[i]];
    while (m > 1) {
        uint32_t best = NO_RANK;
        size_t at = 0;
        for (i = 0; i + 1 < m; i++)
            if (pair[i] < best) {
                best = pair[i];
                at = i;
            }
        if (best == NO_RANK)
            break;
        /* parts `at` and `at + 1` become one */
        tok[at] = best;
        memmove(&pos[at + 1], &pos[at + 2], (m - at - 1) * sizeof pos[0]);
        if (ids && m > at + 2)
            memmove(&tok[at + 1], &tok[at + 2], (m - at - 2) * sizeof tok[0]);
        if (m > at + 3)
            memmove(&pair[at + 1], &pair[at + 2], (m - at - 3) * sizeof pair[0]);
        m--;
        if (at + 1 < m)
            pair[at] = rank_of(e, p + pos[at], pos[at + 2] - pos[at]);
        if (at > 0)
            pair[at - 1] = rank_of(e, p + pos[at - 1], pos[at + 1] - pos[at - 1]);
    }
    if (ids) {
        for (i = 0; i < m; i++) {
            if (tok[i] == NO_RANK) {
                *err = E_NOBYTE;
                return FAIL;
            }
            if (vec_push(ids, tok[i])) {
                *err = E_NOMEM;
                return FAIL;
            }
        }
    }
    return m;
}

/* -- the bucket and heap merges, for long pieces --------------------------------------- */

typedef struct {
    uint64_t *d; /* rank << 32 | start */
    size_t len, cap;
} Heap;

static void heap_down(uint64_t *d, size_t n, size_t i) {
    uint64_t x = d[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && d[c + 1] < d[c])
            c++;
        if (d[c] >= x)
            break;
        d[i] = d[c];
        i = c;
    }
    d[i] = x;
}

static int heap_push(Heap *h, uint64_t x) {
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        uint64_t *d = realloc(h->d, cap * sizeof *d);
        if (!d)
            return -1;
        h->d = d;
        h->cap = cap;
    }
    size_t i = h->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->d[parent] <= x)
            break;
        h->d[i] = h->d[parent];
        i = parent;
    }
    h->d[i] = x;
    return 0;
}

static uint64_t heap_pop(Heap *h) {
    uint64_t top = h->d[0];
    h->d[0] = h->d[--h->len];
    if (h->len)
        heap_down(h->d, h->len, 0);
    return top;
}

/* Parts over byte positions: the part starting at i is len[i] bytes long, where every token is
   under 256 bytes (every vocab tiktoken ships: 128 at most), else it ends at end[i]; either is 0
   where no part starts (merged away). tok[i] is that part's rank (for ids only). The part before
   a start is found by stepping back over the zeros, no further than the bytes its pair's rank
   look-up hashes anyway. So a long piece costs 1 byte a byte here (4 with ends, 8 with a back
   link too): on 250 MB of ZWJ families a third less memory, and the kernel's page faults on
   fresh memory were as slow as the merge. A candidate (rank, start) is stale, and skipped,
   unless its two parts still span exactly that rank's bytes. */
typedef struct {
    const Engine *e;
    const uint8_t *p;
    uint32_t n;
    uint8_t *len;  /* the part lengths, or NULL ... */
    uint32_t *end; /* ... and the part ends instead */
    uint32_t *tok;
    size_t merges;
} Parts;

/* The end of the part starting at s; s itself (or 0) where none starts. */
static inline uint32_t part_end(const Parts *m, uint32_t s) {
    return m->len ? s + m->len[s] : m->end[s];
}

/* The parts s..j and j..k become one, s..k. */
static inline void part_join(Parts *m, uint32_t s, uint32_t j, uint32_t k) {
    if (m->len) {
        m->len[s] = (uint8_t)(k - s);
        m->len[j] = 0;
    } else {
        m->end[s] = k;
        m->end[j] = 0;
    }
}

static inline int part_starts(const Parts *m, uint32_t i) {
    return part_end(m, i) > i;
}

/* The bytes the pair of parts starting at s spans. */
static inline uint32_t pair_bytes(const Parts *m, uint32_t s) {
    return part_end(m, part_end(m, s)) - s;
}

/* Merge the candidate (r, s) if it is still valid; 1 if merged (then *right and *left are the
   ranks of the new pairs to its right and left, *q the start of the left one), else 0. `bytes`,
   when not 0, is the length of token r: the two parts from s then span r's bytes exactly when
   they span that many (the same positions of the same piece), which needs no look-up. */
static inline int merge_at(Parts *m, uint32_t r, uint32_t bytes, uint32_t s, uint32_t *right,
                           uint32_t *left, uint32_t *q) {
    uint32_t j = part_end(m, s);
    if (j <= s || j >= m->n)
        return 0;
    uint32_t k = part_end(m, j);
    if (bytes ? k - s != bytes : rank_of(m->e, m->p + s, k - s) != r)
        return 0;
    part_join(m, s, j, k);
    if (m->tok)
        m->tok[s] = r;
    m->merges++;
    *right = *left = NO_RANK;
    if (k < m->n)
        *right = rank_of(m->e, m->p + s, part_end(m, k) - s);
    if (s > 0) {
        uint32_t before = s - 1;
        while (!part_starts(m, before)) /* a part starts at 0 */
            before--;
        *q = before;
        *left = rank_of(m->e, m->p + before, k - before);
    }
    return 1;
}

/* The heap route: pops (rank, start) lowest first, which is tiktoken's order for any vocab. */
static int heap_merge(Parts *m, Heap *h) {
    for (size_t i = h->len / 2; i-- > 0;)
        heap_down(h->d, h->len, i);
    while (h->len) {
        uint64_t key = heap_pop(h);
        uint32_t r = (uint32_t)(key >> 32), s = (uint32_t)key, x, y, q = 0;
        if (!merge_at(m, r, 0, s, &x, &y, &q))
            continue;
        if (x != NO_RANK && heap_push(h, (uint64_t)x << 32 | s))
            return -1;
        if (y != NO_RANK && heap_push(h, (uint64_t)y << 32 | q))
            return -1;
    }
    return 0;
}

/* Buckets of candidate starts, one per rank, in an open-addressing map by rank. */
typedef struct {
    uint32_t rank, bytes; /* the rank's token and its length */
    uint8_t used, done;
    uint32_t *d;
    size_t len, cap;
} Bucket;

typedef struct {
    Bucket *b;
    size_t cap, count;
    Heap ranks; /* the ranks of buckets not emptied yet */
    /* The largest emptied bucket's array, for the next new bucket: memory this piece has
       touched already, where a fresh array costs a page fault every 4 kB. */
    uint32_t *spare;
    size_t spare_cap;
} Buckets;

static Bucket *bucket_slot(const Buckets *bs, uint32_t r) {
    size_t at = (r * 2654435761u) & (bs->cap - 1);
    while (bs->b[at].used && bs->b[at].rank != r)
        at = (at + 1) & (bs->cap - 1);
    return &bs->b[at];
}

/* The bucket of rank r, made (and its rank queued) if new; NULL when out of memory. */
static Bucket *bucket_for(Buckets *bs, uint32_t r, uint32_t bytes) {
    if (bs->cap) {
        Bucket *b = bucket_slot(bs, r);
        if (b->used)
            return b;
    }
    if (2 * (bs->count + 1) > bs->cap) {
        size_t cap = bs->cap ? 2 * bs->cap : 64;
        Bucket *b = calloc(cap, sizeof *b);
        if (!b)
            return NULL;
        for (size_t i = 0; i < bs->cap; i++)
            if (bs->b[i].used) {
                size_t at = (bs->b[i].rank * 2654435761u) & (cap - 1);
                while (b[at].used)
                    at = (at + 1) & (cap - 1);
                b[at] = bs->b[i];
            }
        free(bs->b);
        bs->b = b;
        bs->cap = cap;
    }
    Bucket *b = bucket_slot(bs, r);
    b->used = 1;
    b->rank = r;
    b->bytes = bytes;
    bs->count++;
    return heap_push(&bs->ranks, r) ? NULL : b;
}

/* Queue the candidate (r, s) whose two parts span `bytes` bytes. */
static int bucket_add(Buckets *bs, uint32_t r, uint32_t s, uint32_t bytes) {
    Bucket *b = bucket_for(bs, r, bytes);
    if (!b)
        return -1;
    if (!b->cap && bs->spare) {
        b->d = bs->spare;
        b->cap = bs->spare_cap;
        bs->spare = NULL;
    }
    if (b->len == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        uint32_t *d = realloc(b->d, cap * sizeof *d);
        if (!d)
            return -1;
        b->d = d;
        b->cap = cap;
    }
    b->d[b->len++] = s;
    return 0;
}

/* Keep an emptied bucket's array as the spare if it is the larger one. */
static void bucket_spare(Buckets *bs, uint32_t *d, size_t cap) {
    if (bs->spare && bs->spare_cap >= cap) {
        free(d);
        return;
    }
    free(bs->spare);
    bs->spare = d;
    bs->spare_cap = cap;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The bucket route, as the pure-Python engine: buckets emptied lowest rank first, each in start
   order, which is the heap's order without the log, for as long as every merge only makes pairs
   of higher rank than its own (trained vocabularies almost always do). The first merge that
   makes a pair of lower or equal rank hands everything left to the heap.
   The pair to the right of a merge is held back until the next merge of the same rank: when that
   one merges the part to its right, the held pair is gone and that merge's left pair replaces it.
   On a run such as ten million `a` this halves the candidates queued, and the memory they take. */
static int bucket_merge(Parts *m) {
    Buckets bs = {0};
    Heap h = {0};
    int rc = -1;
    uint32_t *starts = NULL;
    for (uint32_t i = 0; i + 1 < m->n; i++) {
        uint32_t r = rank_of(m->e, m->p + i, 2);
        if (r != NO_RANK && bucket_add(&bs, r, i, 2))
            goto done;
    }
    while (bs.ranks.len) {
        uint32_t r = (uint32_t)heap_pop(&bs.ranks);
        Bucket *b = bucket_slot(&bs, r); /* queued ranks have buckets */
        size_t len = b->len, cap = b->cap, at;
        uint32_t bytes = b->bytes;
        starts = b->d;
        b->d = NULL;
        b->len = b->cap = 0;
        b->done = 1;
        for (at = 1; at < len && starts[at - 1] < starts[at]; at++)
            ;
        if (at < len)
            qsort(starts, len, sizeof *starts, cmp_u32);
        uint32_t held = NO_RANK, held_at = 0; /* the held right pair: rank and start */
        for (at = 0; at < len; at++) {
            uint32_t s = starts[at], x, y, q = 0;
            if (!merge_at(m, r, bytes, s, &x, &y, &q))
                continue;
            if (held != NO_RANK && !(s > 0 && q == held_at) &&
                bucket_add(&bs, held, held_at, pair_bytes(m, held_at)))
                goto done;
            held = NO_RANK;
            if ((x != NO_RANK && x <= r) || (y != NO_RANK && y <= r)) {
                /* not monotone: the rest, and these two, go to the heap */
                for (size_t i = at + 1; i < len; i++)
                    if (heap_push(&h, (uint64_t)r << 32 | starts[i]))
                        goto done;
                if (x != NO_RANK && heap_push(&h, (uint64_t)x << 32 | s))
                    goto done;
                if (y != NO_RANK && heap_push(&h, (uint64_t)y << 32 | q))
                    goto done;
                for (size_t i = 0; i < bs.cap; i++)
                    for (size_t k = 0; bs.b[i].used && k < bs.b[i].len; k++)
                        if (heap_push(&h, (uint64_t)bs.b[i].rank << 32 | bs.b[i].d[k]))
                            goto done;
                rc = heap_merge(m, &h);
                goto done;
            }
            if (y != NO_RANK && bucket_add(&bs, y, q, pair_bytes(m, q)))
                goto done;
            held = x; /* its parts are unchanged until it is queued or replaced */
            held_at = s;
        }
        if (held != NO_RANK && bucket_add(&bs, held, held_at, pair_bytes(m, held_at)))
            goto done;
        bucket_spare(&bs, starts, cap);
        starts = NULL;
    }
    rc = 0;
done:
    free(starts);
    for (size_t i = 0; i < bs.cap; i++)
        free(bs.b[i].d);
    free(bs.b);
    free(bs.spare);
    free(bs.ranks.d);
    free(h.d);
    return rc;
}

static size_t merge_long(const Engine *e, const uint8_t *p, size_t n, Vec *ids, int *err) {
    if (n >= UINT32_MAX) {
        *err = E_TOOLONG;
        return FAIL;
    }
    size_t result = FAIL, i;
    Parts m = {e, p, (uint32_t)n, NULL, NULL, ids ? malloc(n * sizeof(uint32_t)) : NULL, 0};
    if (e->longest < 256) {
        if ((m.len = malloc(n)) != NULL)
            memset(m.len, 1, n);
    } else if ((m.end = malloc(n * sizeof(uint32_t))) != NULL) {
        for (i = 0; i < n; i++)
            m.end[i] = (uint32_t)(i + 1);
    }
    if (!(m.len || m.end) || (ids && !m.tok)) {
        *err = E_NOMEM;
        goto done;
    }
    if (m.tok)
        for (i = 0; i < n; i++)
            m.tok[i] = e->byte_rank[p[i]];
    if (bucket_merge(&m)) {
        *err = E_NOMEM;
        goto done;
    }
    if (ids) {
        for (i = 0; i < n; i = part_end(&m, (uint32_t)i)) {
            if (m.tok[i] == NO_RANK) {
                *err = E_NOBYTE;
                goto done;
            }
            if (vec_push(ids, m.tok[i])) {
                *err = E_NOMEM;
                goto done;
            }
        }
    }
    result = n - m.merges;
done:
    free(m.len);
    free(m.end);
    free(m.tok);
    return result;
}

/* The tokens of one piece (ids appended to `ids` unless NULL): a whole token is one look-up,
   a short piece seen before one cache look-up, anything else is merged. */
static size_t piece_tokens(const Engine *e, CacheEntry *cache, const uint8_t *p, size_t len,
                           Vec *ids, int *err) {
    uint32_t h = crc32_bytes(p, len);
    uint32_t r = vocab_find(e, p, len, h);
    if (r != NO_RANK) {
        if (ids && vec_push(ids, r)) {
            *err = E_NOMEM;
            return FAIL;
        }
        return 1;
    }
    if (len < 2) {
        if (ids) {
            *err = E_NOBYTE;
            return FAIL;
        }
        return len;
    }
    CacheEntry *c = NULL;
    if (cache && len <= CACHE_KEY) {
        c = &cache[((size_t)h >> 12) & CACHE_MASK];
        if (c->len == len && same_bytes(c->key, p, len)) {
            if (!ids)
                return c->count;
            if (c->has_ids) {
                for (uint8_t k = 0; k < c->count; k++)
                    if (vec_push(ids, c->ids[k])) {
                        *err = E_NOMEM;
                        return FAIL;
                    }
                return c->count;
            }
        }
    }
    size_t before = ids ? ids->len : 0;
    size_t count = len <= SHORT_PIECE ? merge_short(e, p, len, ids, err)
                                      : merge_long(e, p, len, ids, err);
    if (c && count != FAIL) {
        c->len = (uint8_t)len;
        memcpy(c->key, p, len);
        c->count = (uint8_t)count;
        c->has_ids = ids && count <= CACHE_IDS;
        if (c->has_ids)
            memcpy(c->ids, ids->d + before, count * sizeof(uint32_t));
    }
    return count;
}

/* Scan and merge a whole text: the number of tokens, or FAIL with `err` set. Needs no GIL. */
static size_t text_tokens(const Engine *e, CacheEntry *cache, const uint8_t *s, size_t len,
                          Vec *ids, int *err) {
    size_t pos = 0, total = 0;
    while (pos < len) {
        size_t end = lc_scan_next((lc_scan_kind)e->kind, s, len, pos);
        if (end <= pos || end > len) {
            *err = E_SCAN;
            return FAIL;
        }
        size_t c = piece_tokens(e, cache, s + pos, end - pos, ids, err);
        if (c == FAIL)
            return FAIL;
        total += c;
        pos = end;
    }
    return total;
}

static PyObject *set_error(int err) {
    switch (err) {
    case E_NOMEM:
        return PyErr_NoMemory();
    case E_NOBYTE:
        PyErr_SetString(PyExc_KeyError, "no token for a single byte: the vocab lacks one");
        return NULL;
    case E_SCAN:
        PyErr_SetString(PyExc_RuntimeError, "the native scanner did not advance (a bug)");
        return NULL;
    default:
        PyErr_SetString(PyExc_ValueError, "a piece of 4 GiB or more cannot be merged");
        return NULL;
    }
}

/* -- caches: one per running call, so that calls without the GIL never share one ---------- */

static CacheEntry *cache_take(Engine *e) {
    if (e->npool)
        return e->pool[--e->npool];
    return calloc(CACHE_MASK + 1, sizeof(CacheEntry)); /* NULL: run without a cache */
}

static void cache_give(Engine *e, CacheEntry *c) {
    if (!c)
        return;
    if (e->npool < POOL_MAX)
        e->pool[e->npool++] = c;
    else
        free(c);
}

/* -- construction ------------------------------------------------------------------------ */

static int get_u32s(PyObject *obj, Py_buffer *view, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != 4 || view->len % 4) {
        PyErr_Format(PyExc_ValueError, "%s must be an array of unsigned 32-bit integers", what);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

static int Engine_init(Engine *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"blob", "offsets", "ranks", "table", "pattern", NULL};
    PyObject *blob, *offsets, *ranks, *table, *pattern;
    if (self->pair_rank) {
        PyErr_SetString(PyExc_RuntimeError, "Engine is already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO", names, &blob, &offsets, &ranks, &table,
                                     &pattern))
        return -1;
    if (PyObject_GetBuffer(blob, &self->blob, PyBUF_SIMPLE) < 0)
        return -1;
    if (get_u32s(offsets, &self->offsets, "offsets") < 0 || get_u32s(ranks, &self->ranks, "ranks") < 0)
        return -1;
    if (table != Py_None && get_u32s(table, &self->index, "table") < 0)
        return -1;
    size_t n = (size_t)self->ranks.len / 4;
    if ((size_t)self->offsets.len / 4 != n + 1 || n >= UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "offsets must have one more entry than ranks");
        return -1;
    }
    self->bytes = self->blob.buf;
    self->off = self->offsets.buf;
    self->rk = self->ranks.buf;
    self->n = n;
    if (self->off[0] != 0 || self->off[n] > (size_t)self->blob.len) {
        PyErr_SetString(PyExc_ValueError, "offsets do not fit the blob");
        return -1;
    }
    self->longest = 0;
    for (size_t t = 0; t < n; t++) {
        if (self->off[t + 1] <= self->off[t] || self->rk[t] == NO_RANK) {
            PyErr_SetString(PyExc_ValueError, "empty token or rank out of range");
            return -1;
        }
        if (self->off[t + 1] - self->off[t] > self->longest)
            self->longest = self->off[t + 1] - self->off[t];
    }
    if (self->index.obj) { /* the flat vocab's own table: checked, not rebuilt */
        size_t size = (size_t)self->index.len / 4, free_slots = 0;
        const uint32_t *slots = self->index.buf;
        if (size < 2 || (size & (size - 1))) {
            PyErr_SetString(PyExc_ValueError, "table size must be a power of two");
            return -1;
        }
        for (size_t i = 0; i < size; i++) {
            if (slots[i] > n) {
                PyErr_SetString(PyExc_ValueError, "table points past the tokens");
                return -1;
            }
            free_slots += !slots[i];
        }
        if (!free_slots) {
            PyErr_SetString(PyExc_ValueError, "table has no free slot");
            return -1;
        }
        self->table = slots;
        self->mask = size - 1;
    } else { /* built here, as flatvocab.build builds it */
        size_t size = 16;
        while (size < 2 * n)
            size <<= 1;
        self->own_table = calloc(size, sizeof(uint32_t));
        if (!self->own_table) {
            PyErr_NoMemory();
            return -1;
        }
        self->table = self->own_table;
        self->mask = size - 1;
        for (size_t t = 0; t < n; t++) {
            const uint8_t *p = self->bytes + self->off[t];
            size_t len = self->off[t + 1] - self->off[t];
            uint32_t h = crc32_bytes(p, len);
            if (vocab_find(self, p, len, h) != NO_RANK)
                continue; /* a duplicate token: the first (lowest index) wins */
            size_t i = (size_t)h & self->mask;
            while (self->own_table[i])
                i = (i + 1) & self->mask;
            self->own_table[i] = (uint32_t)(t + 1);
        }
    }
    self->pair_rank = malloc(65536 * sizeof(uint32_t));
    if (!self->pair_rank) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->pair_rank, 0xFF, 65536 * sizeof(uint32_t)); /* NO_RANK */
    for (int b = 0; b < 256; b++)
        self->byte_rank[b] = NO_RANK;
    for (size_t t = 0; t < n; t++) { /* by look-up, so that a duplicate resolves as above */
        const uint8_t *p = self->bytes + self->off[t];
        size_t len = self->off[t + 1] - self->off[t];
        if (len == 1)
            self->byte_rank[p[0]] = vocab_find(self, p, 1, crc32_bytes(p, 1));
        else if (len == 2)
            self->pair_rank[(size_t)p[0] << 8 | p[1]] = vocab_find(self, p, 2, crc32_bytes(p, 2));
    }
    self->kind = LC_SCAN_NONE;
    if (pattern != Py_None) {
        Py_ssize_t plen;
        const char *pat = PyUnicode_AsUTF8AndSize(pattern, &plen);
        if (!pat)
            return -1;
        self->kind = lc_scan_kind_of(pat, (size_t)plen);
    }
    return 0;
}

static void Engine_dealloc(Engine *self) {
    if (self->blob.obj)
        PyBuffer_Release(&self->blob);
    if (self->offsets.obj)
        PyBuffer_Release(&self->offsets);
    if (self->ranks.obj)
        PyBuffer_Release(&self->ranks);
    if (self->index.obj)
        PyBuffer_Release(&self->index);
    free(self->own_table);
    free(self->pair_rank);
    free(self->gil_cache);
    for (int i = 0; i < self->npool; i++)
        free(self->pool[i]);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ready(Engine *self) {
    if (!self->pair_rank) {
        PyErr_SetString(PyExc_RuntimeError, "Engine is not initialised");
        return 0;
    }
    if (!self->gil_cache)
        self->gil_cache = calloc(CACHE_MASK + 1, sizeof(CacheEntry));
    return 1;
}

/* -- piece calls (the BPEEngine protocol): the GIL is held ------------------------------- */

static size_t one_piece(Engine *self, PyObject *piece, Vec *ids, int *err) {
    Py_ssize_t len;
    const char *s;
    if (!PyUnicode_Check(piece)) {
        PyErr_Format(PyExc_TypeError, "pieces must be str, not %.80s", Py_TYPE(piece)->tp_name);
        return FAIL;
    }
    s = PyUnicode_AsUTF8AndSize(piece, &len);
    if (!s)
        return FAIL;
    size_t c = piece_tokens(self, self->gil_cache, (const uint8_t *)s, (size_t)len, ids, err);
    if (c == FAIL && *err)
        set_error(*err);
    return c;
}

static PyObject *pieces_run(Engine *self, PyObject *pieces, int want_ids) {
    if (!ready(self))
        return NULL;
    PyObject *it = PyObject_GetIter(pieces), *piece;
    if (!it)
        return NULL;
    Vec ids = {0};
    size_t total = 0;
    int err = OK;
    while ((piece = PyIter_Next(it))) {
        size_t c = one_piece(self, piece, want_ids ? &ids : NULL, &err);
        Py_DECREF(piece);
        if (c == FAIL) {
            Py_DECREF(it);
            free(ids.d);
            return NULL;
        }
        total += c;
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        free(ids.d);
        return NULL;
    }
    if (!want_ids)
        return PyLong_FromSize_t(total);
    PyObject *out = PyList_New((Py_ssize_t)ids.len);
    for (size_t i = 0; out && i < ids.len; i++) {
        PyObject *x = PyLong_FromUnsignedLong(ids.d[i]);
        if (!x) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, x);
    }
    free(ids.d);
    return out;
}

static PyObject *Engine_count(Engine *self, PyObject *pieces) { return pieces_run(self, pieces, 0); }
static PyObject *Engine_encode(Engine *self, PyObject *pieces) { return pieces_run(self, pieces, 1); }

static PyObject *Engine_piece_count(Engine *self, PyObject *piece) {
    if (!ready(self))
        return NULL;
    int err = OK;
    size_t c = one_piece(self, piece, NULL, &err);
    return c == FAIL ? NULL : PyLong_FromSize_t(c);
}

/* -- whole texts: scan and merge without the GIL ----------------------------------------- */

static PyObject *ids_to_list(const Vec *ids) {
    PyObject *out = PyList_New((Py_ssize_t)ids->len);
    for (size_t i = 0; out && i < ids->len; i++) {
        PyObject *x = PyLong_FromUnsignedLong(ids->d[i]);
        if (!x) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, x);
    }
    return out;
}

/* The UTF-8 of `text` in *s and *len, and a new reference to what holds it (NULL on error):
   the str itself where it is ASCII (its own bytes, no copy), else a bytes object freed with the
   reference. Not PyUnicode_AsUTF8AndSize for the rest, which copies the encoding once more and
   keeps it on the caller's str for the str's whole life. Lone surrogates: UnicodeEncodeError. */
static PyObject *text_utf8(PyObject *text, const uint8_t **s, size_t *len) {
    Py_ssize_t n;
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "text must be str, not %.80s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    if (PyUnicode_IS_ASCII(text)) {
        *s = (const uint8_t *)PyUnicode_AsUTF8AndSize(text, &n);
        *len = (size_t)n;
        Py_INCREF(text);
        return text;
    }
    PyObject *utf8 = PyUnicode_AsUTF8String(text);
    if (utf8) {
        *s = (const uint8_t *)PyBytes_AS_STRING(utf8);
        *len = (size_t)PyBytes_GET_SIZE(utf8);
    }
    return utf8;
}

static PyObject *text_run(Engine *self, PyObject *text, int want_ids) {
    if (!ready(self))
        return NULL;
    if (self->kind == LC_SCAN_NONE) {
        PyErr_SetString(PyExc_TypeError, "this engine does not know its encoding's pattern");
        return NULL;
    }
    size_t len;
    const uint8_t *s;
    PyObject *utf8 = text_utf8(text, &s, &len);
    if (!utf8)
        return NULL;
    CacheEntry *cache = cache_take(self);
    Vec ids = {0};
    int err = OK;
    size_t total;
    Py_BEGIN_ALLOW_THREADS
    total = text_tokens(self, cache, s, len, want_ids ? &ids : NULL, &err);
    Py_END_ALLOW_THREADS
    cache_give(self, cache);
    Py_DECREF(utf8);
    PyObject *out = total == FAIL ? set_error(err)
                    : want_ids    ? ids_to_list(&ids)
                                  : PyLong_FromSize_t(total);
    free(ids.d);
    return out;
}

static PyObject *Engine_count_text(Engine *self, PyObject *text) { return text_run(self, text, 0); }
static PyObject *Engine_encode_text(Engine *self, PyObject *text) { return text_run(self, text, 1); }

/* -- batches: threads over a list of texts ----------------------------------------------- */

typedef struct {
    const Engine *e;
    const uint8_t **s;
    size_t *len;
    size_t n;
    size_t *counts;
    Vec *ids; /* NULL: counts only */
    size_t next;
    int err;
} Batch;

typedef struct {
    Batch *b;
    CacheEntry *cache;
} Worker;

static void *batch_work(void *arg) {
    Worker *w = arg;
    Batch *b = w->b;
    for (;;) {
        size_t i = FETCH_ADD(&b->next, 1);
        if (i >= b->n || LOAD(&b->err))
            break;
        int err = OK;
        b->counts[i] = text_tokens(b->e, w->cache, b->s[i], b->len[i], b->ids ? &b->ids[i] : NULL, &err);
        if (err)
            SET_FIRST(&b->err, err);
    }
    return NULL;
}

static PyObject *batch_run(Engine *self, PyObject *args, int want_ids) {
    PyObject *texts, *seq = NULL, *out = NULL;
    int threads = 1;
    if (!PyArg_ParseTuple(args, "O|i", &texts, &threads) || !ready(self))
        return NULL;
    if (self->kind == LC_SCAN_NONE) {
        PyErr_SetString(PyExc_TypeError, "this engine does not know its encoding's pattern");
        return NULL;
    }
    seq = PySequence_Fast(texts, "texts must be a sequence of str");
    if (!seq)
        return NULL;
    size_t n = (size_t)PySequence_Fast_GET_SIZE(seq);
    Batch b = {self, NULL, NULL, n, NULL, NULL, 0, OK};
    Worker workers[MAX_THREADS];
    int started = 0;
    PyObject **utf8 = calloc(n + 1, sizeof *utf8); /* what holds each text's UTF-8 */
    b.s = calloc(n + 1, sizeof *b.s);
    b.len = calloc(n + 1, sizeof *b.len);
    b.counts = calloc(n + 1, sizeof *b.counts);
    if (want_ids)
        b.ids = calloc(n + 1, sizeof *b.ids);
    if (!utf8 || !b.s || !b.len || !b.counts || (want_ids && !b.ids)) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        utf8[i] = text_utf8(PySequence_Fast_GET_ITEM(seq, i), &b.s[i], &b.len[i]);
        if (!utf8[i])
            goto done;
    }
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    if (!LC_THREADS)
        threads = 1;
    for (int t = 0; t < threads; t++) {
        workers[t].b = &b;
        workers[t].cache = cache_take(self);
    }
    Py_BEGIN_ALLOW_THREADS
#if LC_THREADS
    pthread_t tids[MAX_THREADS];
    for (started = 1; started < threads; started++)
        if (pthread_create(&tids[started], NULL, batch_work, &workers[started]))
            break; /* fewer threads: the others share the work */
    batch_work(&workers[0]);
    for (int t = 1; t < started; t++)
        pthread_join(tids[t], NULL);
#else
    batch_work(&workers[0]);
#endif
    Py_END_ALLOW_THREADS
    for (int t = 0; t < threads; t++)
        cache_give(self, workers[t].cache);
    if (b.err) {
        set_error(b.err);
        goto done;
    }
    out = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; out && i < n; i++) {
        PyObject *x = want_ids ? ids_to_list(&b.ids[i]) : PyLong_FromSize_t(b.counts[i]);
        if (!x) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, x);
    }
done:
    if (b.ids)
        for (size_t i = 0; i < n; i++)
            free(b.ids[i].d);
    free(b.ids);
    if (utf8)
        for (size_t i = 0; i < n; i++)
            Py_XDECREF(utf8[i]);
    free(utf8);
    free(b.s);
    free(b.len);
    free(b.counts);
    Py_XDECREF(seq);
    return out;
}

static PyObject *Engine_count_batch(Engine *self, PyObject *args) { return batch_run(self, args, 0); }
static PyObject *Engine_encode_batch(Engine *self, PyObject *args) { return batch_run(self, args, 1); }

/* -- types ------------------------------------------------------------------------------- */

static PyMethodDef piece_methods[] = {
    {"count", (PyCFunction)Engine_count, METH_O, "count(pieces) -> int: tokens of all pieces"},
    {"encode", (PyCFunction)Engine_encode, METH_O, "encode(pieces) -> list[int]"},
    {"piece_count", (PyCFunction)Engine_piece_count, METH_O, "piece_count(piece) -> int"},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef text_methods[] = {
    {"count_text", (PyCFunction)Engine_count_text, METH_O,
     "count_text(text) -> int: scan and merge a whole text without the GIL"},
    {"encode_text", (PyCFunction)Engine_encode_text, METH_O, "encode_text(text) -> list[int]"},
    {"count_batch", (PyCFunction)Engine_count_batch, METH_VARARGS,
     "count_batch(texts, num_threads=1) -> list[int]"},
    {"encode_batch", (PyCFunction)Engine_encode_batch, METH_VARARGS,
     "encode_batch(texts, num_threads=1) -> list[list[int]]"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PieceEngineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "llm_cost_native._native.PieceEngine",
    .tp_doc = "PieceEngine(blob, offsets, ranks, table, pattern): merges pieces a scanner made.",
    .tp_basicsize = sizeof(Engine),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Engine_init,
    .tp_dealloc = (destructor)Engine_dealloc,
    .tp_methods = piece_methods,
};

static int TextEngine_init(Engine *self, PyObject *args, PyObject *kwds) {
    if (Engine_init(self, args, kwds) < 0)
        return -1;
    if (self->kind == LC_SCAN_NONE) {
        PyErr_SetString(PyExc_ValueError, "TextEngine needs a pattern the native scanner knows");
        return -1;
    }
    return 0;
}

static PyTypeObject TextEngineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "llm_cost_native._native.TextEngine",
    .tp_doc = "TextEngine(blob, offsets, ranks, table, pattern): also scans and merges whole texts.",
    .tp_basicsize = sizeof(Engine),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_base = &PieceEngineType,
    .tp_init = (initproc)TextEngine_init,
    .tp_methods = text_methods,
};

/* -- module functions: the scanner on its own -------------------------------------------- */

static PyObject *mod_kind_of(PyObject *mod, PyObject *pattern) {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(pattern, &len);
    if (!s)
        return NULL;
    return PyLong_FromLong(lc_scan_kind_of(s, (size_t)len));
}

static PyObject *mod_scan(PyObject *mod, PyObject *args) {
    int kind;
    PyObject *text;
    if (!PyArg_ParseTuple(args, "iU", &kind, &text))
        return NULL;
    if (kind < LC_SCAN_O200K || kind > LC_SCAN_R50K) {
        PyErr_SetString(PyExc_ValueError, "unknown scanner kind");
        return NULL;
    }
    size_t len, pos = 0;
    const uint8_t *s;
    PyObject *utf8 = text_utf8(text, &s, &len);
    if (!utf8)
        return NULL;
    PyObject *out = PyList_New(0);
    while (out && pos < len) {
        size_t end = lc_scan_next((lc_scan_kind)kind, s, len, pos);
        if (end <= pos || end > len) {
            Py_CLEAR(out);
            set_error(E_SCAN);
            break;
        }
        PyObject *piece = PyUnicode_DecodeUTF8((const char *)s + pos, (Py_ssize_t)(end - pos), "strict");
        if (!piece || PyList_Append(out, piece) < 0)
            Py_CLEAR(out);
        Py_XDECREF(piece);
        pos = end;
    }
    Py_DECREF(utf8);
    return out;
}

static PyMethodDef module_methods[] = {
    {"kind_of", mod_kind_of, METH_O, "kind_of(pattern) -> int: the scanner for it, or -1"},
    {"scan", mod_scan, METH_VARARGS, "scan(kind, text) -> list[str]: the pieces of text"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "tiktoken's BPE, and scanners for its patterns, in C.", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    crc_init();
    if (PyType_Ready(&PieceEngineType) < 0 || PyType_Ready(&TextEngineType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&PieceEngineType);
    Py_INCREF(&TextEngineType);
    if (PyModule_AddObject(m, "PieceEngine", (PyObject *)&PieceEngineType) < 0 ||
        PyModule_AddObject(m, "TextEngine", (PyObject *)&TextEngineType) < 0 ||
        PyModule_AddIntConstant(m, "SCAN_NONE", LC_SCAN_NONE) < 0 ||
        PyModule_AddIntConstant(m, "SCAN_O200K", LC_SCAN_O200K) < 0 ||
        PyModule_AddIntConstant(m, "SCAN_CL100K", LC_SCAN_CL100K) < 0 ||
        PyModule_AddIntConstant(m, "SCAN_R50K", LC_SCAN_R50K) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

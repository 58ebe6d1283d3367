/* A deflate encoder for Sharemark's QR images. zlib's general match search was a quarter of
 * the CPU of writing share images, and no library the project can use compresses such images
 * more cheaply, so this one is written for their shape: 1-bit rows in which every row of a
 * module row is a copy of the row before. A run of copied rows is one match a row back, found
 * by comparing whole rows instead of a search over each of its bytes. The other rows are
 * matched only a row back and a byte back (the only matches that pay on these images), and a
 * match is taken only when it costs fewer bits than its bytes as literals. Everything goes into
 * one dynamic Huffman block with codes limited to deflate's 15 bits. On share links at scale 4
 * (Scripts/bench-deflate.sh) this takes a seventh of zlib's CPU (level 5, Z_FILTERED) and 0.6 of
 * libdeflate's fastest level's, and writes files 15% and 29% smaller than theirs.
 * RFC 1950 and 1951 are the reference; zlib's inflate reads the result (see the tests). */

#include "sharemark_deflate.h"

#include <stdlib.h>
#include <string.h>

enum {
    MIN_MATCH = 3,
    MAX_MATCH = 258,
    WINDOW = 32768,
    LITERAL_CODES = 286,
    DISTANCE_CODES = 30,
    END_OF_BLOCK = 256,
    /* A match this long is taken without looking one byte further for a longer one. */
    NICE_LENGTH = 32,
    /* Guessed bits for a length code and a distance code, before the codes exist: measured
     * over share links at scales 1-10, these gave the smallest files of the values tried. */
    LENGTH_PRICE = 8,
    DISTANCE_PRICE = 4,
};

static const uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                         31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                         2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t distance_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,
                                           33,  49,  65,  97,  129, 193,  257,  385,  513,  769,
                                           1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};

static int length_code(unsigned length) {
    if (length == MAX_MATCH) return 28;
    unsigned x = length - 3;
    if (x < 8) return (int)x;
    int b = 31 - __builtin_clz(x);
    return 4 * (b - 1) + (int)((x >> (b - 2)) & 3);
}

static int distance_code(unsigned distance) {
    unsigned x = distance - 1;
    if (x < 4) return (int)x;
    int b = 31 - __builtin_clz(x);
    return 2 * b + (int)((x >> (b - 1)) & 1);
}

static int distance_extra(int code) { return code < 4 ? 0 : code / 2 - 1; }

/* A token is a literal byte (distance 0) or a match: distance << 16 | length. */
typedef struct {
    const uint8_t *data; /* the filtered stream: a 0 before each row */
    size_t size;
    uint32_t *tokens;
    size_t count, capacity;
    uint32_t literal_freq[LITERAL_CODES];
    uint32_t distance_freq[DISTANCE_CODES];
    /* The last match, kept whole until the next token so that a run of copied rows can extend
     * it; cut into pieces of at most 258 bytes when flushed. */
    uint32_t pending_distance;
    size_t pending_length;
    size_t pending_end; /* where the pending match's bytes end in `data` */
    int failed;
} encoder;

static inline void push(encoder *e, uint32_t token) {
    if (e->count == e->capacity) {
        size_t capacity = e->capacity ? e->capacity * 2 : 1024;
        uint32_t *grown = realloc(e->tokens, capacity * sizeof *grown);
        if (!grown) {
            e->failed = 1;
            return;
        }
        e->tokens = grown;
        e->capacity = capacity;
    }
    e->tokens[e->count++] = token;
}

static void flush_pending(encoder *e) {
    size_t length = e->pending_length;
    uint32_t distance = e->pending_distance;
    /* Shorter than any match (a copied row of one byte and its filter byte): its bytes as
     * literals. */
    if (length < MIN_MATCH) {
        for (size_t at = e->pending_end - length; at < e->pending_end; at++) {
            push(e, e->data[at]);
            e->literal_freq[e->data[at]]++;
        }
        length = 0;
    }
    while (length >= MIN_MATCH) {
        /* Never leave a remainder shorter than a match. */
        size_t piece = length <= MAX_MATCH ? length : length - MAX_MATCH < MIN_MATCH ? length - MIN_MATCH : MAX_MATCH;
        push(e, distance << 16 | (uint32_t)piece);
        e->literal_freq[257 + length_code((unsigned)piece)]++;
        e->distance_freq[distance_code(distance)]++;
        length -= piece;
    }
    e->pending_length = 0;
    e->pending_distance = 0;
}

static inline void emit_literal(encoder *e, uint8_t byte) {
    if (e->pending_length) flush_pending(e);
    push(e, byte);
    e->literal_freq[byte]++;
}

/* The bytes from `at` to `end` as literals: stored straight into the token buffer when it has
 * room (as it has for QR images, which the caller sizes it for), else one at a time by
 * emit_literal, which grows it. */
static void emit_literals(encoder *e, size_t at, size_t end) {
    /* First: flushing a pending match takes room too. */
    if (e->pending_length) flush_pending(e);
    if (e->capacity - e->count < end - at) {
        for (; at < end; at++) emit_literal(e, e->data[at]);
        return;
    }
    uint32_t *tokens = e->tokens + e->count;
    for (size_t k = at; k < end; k++) {
        uint8_t byte = e->data[k];
        *tokens++ = byte;
        e->literal_freq[byte]++;
    }
    e->count += end - at;
}

/* The `length` bytes at `at` repeat those `distance` bytes before. */
static void emit_match(encoder *e, size_t at, uint32_t distance, size_t length) {
    if (e->pending_length && e->pending_distance == distance && e->pending_end == at) {
        e->pending_length += length;
        e->pending_end = at + length;
        return;
    }
    if (e->pending_length) flush_pending(e);
    e->pending_distance = distance;
    e->pending_length = length;
    e->pending_end = at + length;
}

/* ---- Matching ---- */

typedef struct {
    const uint8_t *data;
    size_t size, line;  /* line: bytes per row with its filter byte */
    const uint32_t *last_copy; /* per row: the last row of the run of rows equal to it */
    int copies; /* whether a copied row is one match a row back (a row fits the window) */
    /* Where the bytes equal to those one row back, and one byte back, stop: found once per
     * stretch, so each byte is compared about once per distance. */
    size_t row_back_end, byte_back_end;
} matcher;

static int is_copy(const matcher *m, size_t row) {
    return m->copies && row > 0 && m->last_copy[row - 1] >= row;
}

typedef struct {
    size_t length; /* may exceed 258: emit_match cuts it */
    uint32_t distance;
} match;

/* How many bytes from a and b are equal, up to limit; eight at a time. */
static size_t common_length(const uint8_t *a, const uint8_t *b, size_t limit) {
    size_t n = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; n + 8 <= limit; n += 8) {
        uint64_t x, y;
        memcpy(&x, a + n, 8);
        memcpy(&y, b + n, 8);
        if (x != y) return n + (size_t)(__builtin_ctzll(x ^ y) >> 3);
    }
#endif
    while (n < limit && a[n] == b[n]) n++;
    return n;
}

/* Whether n bytes at a and b are equal: words of eight, the last one overlapping the one
 * before (rows of these images are seldom a multiple of eight bytes long). */
static int equal_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    if (n < 8) return memcmp(a, b, n) == 0;
    uint64_t x, y, differ = 0;
    for (size_t k = 0; k + 8 <= n; k += 8) {
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        differ |= x ^ y;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return (differ | (x ^ y)) == 0;
}

/* Whether the MIN_MATCH bytes at `at` repeat those `distance` before (all within the data). */
static int starts_match(const uint8_t *data, size_t size, size_t at, size_t distance) {
    return at >= distance && at + MIN_MATCH <= size && memcmp(data + at, data + at - distance, MIN_MATCH) == 0;
}

/* The first position from `at` to `end` at which a match can start: the MIN_MATCH bytes there
 * repeat those a byte back or a row back; or `end`. Most bytes of a row that is not a copy
 * start neither, so they are literals known without a search: found here six positions at a
 * time, the parse takes one branch per run of literals instead of one or two calls per byte. */
static size_t next_match_start(const matcher *m, size_t at, size_t end) {
    const uint8_t *data = m->data;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (at >= m->line && m->line <= WINDOW) {
        const uint64_t lows = 0x7F7F7F7F7F7F7F7FULL, highs = 0x8080808080808080ULL;
        /* A window of eight bytes tests the six positions whose three bytes it holds. */
        for (; at < end && at + 8 <= m->size; at += 6) {
            uint64_t here, before, above;
            memcpy(&here, data + at, 8);
            memcpy(&before, data + at - 1, 8);
            memcpy(&above, data + at - m->line, 8);
            uint64_t x = here ^ before, y = here ^ above;
            /* The high bit of each byte that is zero (exact, no borrow between bytes). */
            uint64_t same_before = ~(((x & lows) + lows) | x) & highs;
            uint64_t same_above = ~(((y & lows) + lows) | y) & highs;
            uint64_t three = (same_before & same_before >> 8 & same_before >> 16) |
                             (same_above & same_above >> 8 & same_above >> 16);
            three &= 0x0000808080808080ULL;
            if (three) {
                size_t found = at + (size_t)(__builtin_ctzll(three) >> 3);
                return found < end ? found : end;
            }
        }
        if (at >= end) return end;
    }
#endif
    for (; at < end; at++)
        if (starts_match(data, m->size, at, 1) || (m->line <= WINDOW && starts_match(data, m->size, at, m->line))) return at;
    return end;
}

/* The longer of the matches one row back and one byte back (a run), or none; `at` must not
 * go down between calls. Other distances were tried (a hash chain of up to 64 candidates,
 * and rows further back): on QR images they made files no smaller, often larger. */
static inline match longest_match(matcher *m, size_t at) {
    match best = {0, 0};
    const uint8_t *here = m->data + at;
    if (m->line <= WINDOW && at >= m->line) {
        if (at >= m->row_back_end) m->row_back_end = at + common_length(here, here - m->line, m->size - at);
        best.length = m->row_back_end - at;
        best.distance = (uint32_t)m->line;
    }
    if (at >= 1) {
        if (at >= m->byte_back_end) m->byte_back_end = at + common_length(here, here - 1, m->size - at);
        if (m->byte_back_end - at > best.length) {
            best.length = m->byte_back_end - at;
            best.distance = 1;
        }
    }
    if (best.length < MIN_MATCH) best.length = 0;
    return best;
}

/* Bits per symbol, to choose between a match and literals. */
typedef struct {
    uint8_t literal[LITERAL_CODES];
    uint8_t distance[DISTANCE_CODES];
} prices;

static void code_lengths(uint32_t *freq, int n, int limit, uint8_t *lengths);

/* Literal prices from the Huffman code of the bytes of the rows that are not copies (nearly
 * all literals come from them); length and distance codes at a fixed guess. One parse with
 * these gave files as small as a second parse priced by the first one's codes. */
static void estimate_prices(const matcher *m, prices *p) {
    /* Counted in four tables, summed after: runs of one byte value are common in these rows,
     * and one table makes each count wait for the store of the one before. */
    uint32_t counts[4][256] = {{0}};
    for (size_t row = 0, at = 0; at < m->size; row++, at += m->line) {
        if (is_copy(m, row)) continue;
        const uint8_t *bytes = m->data + at;
        size_t k = 0;
        for (; k + 4 <= m->line; k += 4) {
            counts[0][bytes[k]]++;
            counts[1][bytes[k + 1]]++;
            counts[2][bytes[k + 2]]++;
            counts[3][bytes[k + 3]]++;
        }
        for (; k < m->line; k++) counts[0][bytes[k]]++;
    }
    uint32_t freq[LITERAL_CODES] = {0};
    for (int b = 0; b < 256; b++) freq[b] = counts[0][b] + counts[1][b] + counts[2][b] + counts[3][b];
    freq[END_OF_BLOCK] = 1;
    code_lengths(freq, LITERAL_CODES, 15, p->literal);
    for (int s = 257; s < LITERAL_CODES; s++) p->literal[s] = LENGTH_PRICE;
    for (int s = 0; s < DISTANCE_CODES; s++) p->distance[s] = DISTANCE_PRICE;
}

/* Whether a match is cheaper than its bytes as literals (with a handful of distinct byte
 * values a literal takes 1-3 bits, so short matches seldom are). */
static int worth_it(const encoder *e, const matcher *m, const prices *p, size_t at, size_t row_end, match candidate) {
    if (candidate.length < MIN_MATCH) return 0;
    /* A match that continues the previous one, or runs on into copied rows (which are one
     * match anyway), only lengthens a match that is made anyway. */
    if (e->pending_length && e->pending_distance == candidate.distance) return 1;
    if (candidate.distance == m->line && at + candidate.length > row_end && is_copy(m, row_end / m->line)) return 1;
    size_t length = candidate.length < MAX_MATCH ? candidate.length : MAX_MATCH;
    int lc = length_code((unsigned)length), dc = distance_code(candidate.distance);
    unsigned cost = (unsigned)(p->literal[257 + lc] + length_extra[lc] + p->distance[dc] + distance_extra(dc));
    unsigned literals = 0;
    for (size_t k = 0; k < length && literals <= cost; k++) literals += p->literal[e->data[at + k]];
    return literals > cost;
}

/* Greedy matching with one byte of lookahead (zlib's lazy matching): a match is put off when
 * the one a byte further is longer. A run of copied rows is one match a row back, without
 * looking at its bytes. An optimal parse (the cheapest path through every length of both
 * matches at every position, priced the same way, and again priced by its own codes) made
 * share links no smaller (0.4% larger), at three to six times the CPU. */
static void parse(encoder *e, matcher *m, const prices *p) {
    size_t at = 0, row_end = 0;
    m->row_back_end = m->byte_back_end = 0;
    while (at < m->size) {
        if (at >= row_end) {
            size_t row = at / m->line;
            row_end = (row + 1) * m->line;
            if (is_copy(m, row)) {
                size_t run_end = (size_t)(m->last_copy[row] + 1) * m->line;
                emit_match(e, at, (uint32_t)m->line, run_end - at);
                at = run_end;
                continue;
            }
        }
        size_t start = next_match_start(m, at, row_end);
        if (start > at) {
            emit_literals(e, at, start);
            at = start;
            continue;
        }
        match current = longest_match(m, at);
        if (!worth_it(e, m, p, at, row_end, current)) {
            emit_literal(e, e->data[at]);
            at++;
            continue;
        }
        if (current.length < NICE_LENGTH && at + 1 < row_end) {
            match next = longest_match(m, at + 1);
            if (next.length > current.length) {
                emit_literal(e, e->data[at]);
                at++;
                continue;
            }
        }
        emit_match(e, at, current.distance, current.length);
        at += current.length;
    }
}

/* ---- Huffman codes ---- */

typedef struct {
    uint32_t key; /* frequency, then code length */
    uint16_t symbol;
} symbol_weight;

/* Sorts by frequency, symbols of equal frequency in the order given (ascending). A handful of
 * symbols as a rule: an insertion sort. Many (a scale-1 image has a byte value for every
 * literal): a radix sort over the bytes of the frequencies, as many passes as the largest has
 * bytes; qsort's comparisons through a function were most of such an image's encoding. */
static void sort_by_frequency(symbol_weight *items, int n) {
    if (n <= 48) {
        for (int i = 1; i < n; i++) {
            symbol_weight item = items[i];
            int j = i;
            for (; j > 0 && items[j - 1].key > item.key; j--) items[j] = items[j - 1];
            items[j] = item;
        }
        return;
    }
    symbol_weight spare[LITERAL_CODES], *from = items, *to = spare;
    uint32_t largest = 0;
    for (int i = 0; i < n; i++)
        if (items[i].key > largest) largest = items[i].key;
    for (int shift = 0; shift < 32 && largest >> shift; shift += 8) {
        int start[257] = {0};
        for (int i = 0; i < n; i++) start[(from[i].key >> shift & 0xFF) + 1]++;
        for (int d = 0; d < 256; d++) start[d + 1] += start[d];
        for (int i = 0; i < n; i++) to[start[from[i].key >> shift & 0xFF]++] = from[i];
        symbol_weight *swap = from;
        from = to;
        to = swap;
    }
    if (from != items) memcpy(items, from, (size_t)n * sizeof *items);
}

/* Code lengths of at most `limit` bits for `freq`: Huffman's (Moffat and Katajainen's in-place
 * computation), then, if some are too long, lengths moved until the code is complete again
 * within the limit. At least two symbols always get a code, as inflate wants complete codes. */
static void code_lengths(uint32_t *freq, int n, int limit, uint8_t *lengths) {
    symbol_weight sorted[LITERAL_CODES];
    int used = 0;
    for (int s = 0; s < n && used < 2; s++)
        if (freq[s]) used++;
    for (int s = 0; used < 2 && s < n; s++)
        if (!freq[s]) {
            freq[s] = 1;
            used++;
        }
    used = 0;
    for (int s = 0; s < n; s++) {
        lengths[s] = 0;
        if (freq[s]) sorted[used++] = (symbol_weight){freq[s], (uint16_t)s};
    }
    sort_by_frequency(sorted, used);

    symbol_weight *a = sorted;
    int root = 0, leaf = 2, next;
    a[0].key += a[1].key;
    for (next = 1; next < used - 1; next++) {
        if (leaf >= used || a[root].key < a[leaf].key) {
            a[next].key = a[root].key;
            a[root++].key = (uint32_t)next;
        } else {
            a[next].key = a[leaf++].key;
        }
        if (leaf >= used || (root < next && a[root].key < a[leaf].key)) {
            a[next].key += a[root].key;
            a[root++].key = (uint32_t)next;
        } else {
            a[next].key += a[leaf++].key;
        }
    }
    a[used - 2].key = 0;
    for (next = used - 3; next >= 0; next--) a[next].key = a[a[next].key].key + 1;
    int available = 1, assigned = 0, depth = 0;
    root = used - 2;
    next = used - 1;
    while (available > 0) {
        while (root >= 0 && (int)a[root].key == depth) {
            assigned++;
            root--;
        }
        while (available > assigned) {
            a[next--].key = (uint32_t)depth;
            available--;
        }
        available = 2 * assigned;
        depth++;
        assigned = 0;
    }

    /* a[i].key is now the length of the i-th least frequent symbol, longest first. */
    int count[32] = {0};
    for (int i = 0; i < used; i++) count[a[i].key > (uint32_t)limit ? (uint32_t)limit : a[i].key]++;
    uint32_t kraft = 0;
    for (int l = 1; l <= limit; l++) kraft += (uint32_t)count[l] << (limit - l);
    while (kraft > (1u << limit)) {
        count[limit]--;
        for (int l = limit - 1; l > 0; l--)
            if (count[l]) {
                count[l]--;
                count[l + 1] += 2;
                break;
            }
        kraft--;
    }
    int i = used;
    for (int l = 1; l <= limit; l++)
        for (int k = count[l]; k > 0; k--) lengths[sorted[--i].symbol] = (uint8_t)l;
}

/* Canonical codes, bit-reversed because deflate sends codes from their first bit. */
static void canonical_codes(const uint8_t *lengths, int n, uint16_t *codes) {
    uint16_t count[16] = {0}, next[16];
    /* Most symbols have no code: not counted, so that counting one need not wait for the
     * count before. */
    for (int s = 0; s < n; s++)
        if (lengths[s]) count[lengths[s]]++;
    uint16_t code = 0;
    for (int l = 1; l < 16; l++) {
        code = (uint16_t)((code + count[l - 1]) << 1);
        next[l] = code;
    }
    for (int s = 0; s < n; s++) {
        int l = lengths[s];
        if (!l) continue;
        uint32_t c = next[l]++;
        c = (c & 0x5555) << 1 | (c >> 1 & 0x5555);
        c = (c & 0x3333) << 2 | (c >> 2 & 0x3333);
        c = (c & 0x0F0F) << 4 | (c >> 4 & 0x0F0F);
        c = (c & 0x00FF) << 8 | (c >> 8 & 0x00FF);
        codes[s] = (uint16_t)(c >> (16 - l));
    }
}

typedef struct {
    uint8_t *data;
    size_t size;
    uint64_t bits;
    int count;
} bit_writer;

/* At most 16 bits at a time; whole words of 32 bits are stored, the rest kept for later. */
static inline void put_bits(bit_writer *w, uint32_t value, int count) {
    w->bits |= (uint64_t)value << w->count;
    w->count += count;
    if (w->count >= 32) {
        uint8_t *at = w->data + w->size;
        at[0] = (uint8_t)w->bits;
        at[1] = (uint8_t)(w->bits >> 8);
        at[2] = (uint8_t)(w->bits >> 16);
        at[3] = (uint8_t)(w->bits >> 24);
        w->size += 4;
        w->bits >>= 32;
        w->count -= 32;
    }
}

/* The bits left, in whole bytes, the last padded with zeros. */
static void flush_bits(bit_writer *w) {
    while (w->count > 0) {
        w->data[w->size++] = (uint8_t)w->bits;
        w->bits >>= 8;
        w->count -= 8;
    }
    w->bits = 0;
    w->count = 0;
}

static const uint8_t code_length_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

/* The run-length form of the code lengths: symbol | extra << 8 per entry. */
static int run_lengths(const uint8_t *lengths, int n, uint16_t *runs, uint32_t *freq) {
    int count = 0;
    for (int i = 0; i < n;) {
        uint8_t v = lengths[i];
        int run = 1;
        while (i + run < n && lengths[i + run] == v) run++;
        i += run;
        if (v == 0) {
            while (run >= 11) {
                int k = run < 138 ? run : 138;
                runs[count++] = (uint16_t)(18 | (k - 11) << 8);
                run -= k;
            }
            if (run >= 3) {
                runs[count++] = (uint16_t)(17 | (run - 3) << 8);
                run = 0;
            }
        } else {
            runs[count++] = v;
            run--;
            while (run >= 3) {
                int k = run < 6 ? run : 6;
                runs[count++] = (uint16_t)(16 | (k - 3) << 8);
                run -= k;
            }
        }
        while (run-- > 0) runs[count++] = v;
    }
    for (int k = 0; k < count; k++) freq[runs[k] & 0xFF]++;
    return count;
}

static const uint8_t run_extra_bits[19] = {[16] = 2, [17] = 3, [18] = 7};

/* The Adler-32 of the lines, each run of equal lines summed once: a line's bytes add their sum
 * S to A and, to B, its length L times A plus W, the sum of each byte times the number of
 * bytes from it to the line's end. So k copies of a line add k*S to A and, to B,
 * k*L*A + L*S*k(k-1)/2 + k*W (mod 65521). Summing every byte of a large image was a tenth of its
 * render, and zlib's adler32_combine for each copied line a tenth of a share image's encoding. */
static uint32_t adler_of_lines(const uint8_t *data, size_t line, uint32_t height, const uint32_t *last_copy) {
    enum { BASE = 65521 };
    uint64_t a = 1, b = 0;
    uint64_t length = line % BASE;
    for (uint32_t y = 0; y < height;) {
        const uint8_t *bytes = data + (size_t)y * line;
        uint64_t sum = 0, weighted = 0;
        /* Blocks short enough that the sums cannot overflow before they are reduced. */
        for (size_t start = 0; start < line; start += 4096) {
            size_t end = line - start < 4096 ? line : start + 4096;
            uint32_t block_sum = 0;
            uint64_t block_weighted = 0;
            for (size_t k = start; k < end; k++) {
                block_sum += bytes[k];
                block_weighted += (uint64_t)bytes[k] * (line - k);
            }
            sum += block_sum;
            weighted = (weighted + block_weighted) % BASE;
        }
        sum %= BASE;
        uint64_t copies = last_copy[y] - y + 1, k = copies % BASE;
        uint64_t pairs = copies % 2 ? copies % BASE * ((copies - 1) / 2 % BASE) % BASE
                                    : copies / 2 % BASE * ((copies - 1) % BASE) % BASE;
        b = (b + k * length % BASE * a + length * sum % BASE * pairs + k * weighted) % BASE;
        a = (a + k * sum) % BASE;
        y = last_copy[y] + 1;
    }
    return (uint32_t)(b << 16 | a);
}

/* Writes the tokens as one final dynamic block; returns the zlib stream or NULL. */
static uint8_t *write_block(encoder *e, size_t line, uint32_t height, const uint32_t *last_copy, size_t *out_size) {
    e->literal_freq[END_OF_BLOCK]++;
    uint8_t lengths[LITERAL_CODES + DISTANCE_CODES];
    uint8_t *literal_lengths = lengths, *distance_lengths = lengths + LITERAL_CODES;
    code_lengths(e->literal_freq, LITERAL_CODES, 15, literal_lengths);
    code_lengths(e->distance_freq, DISTANCE_CODES, 15, distance_lengths);
    int literals = LITERAL_CODES, distances = DISTANCE_CODES;
    while (literals > 257 && !literal_lengths[literals - 1]) literals--;
    while (distances > 1 && !distance_lengths[distances - 1]) distances--;
    /* Literal and distance lengths are one sequence, so runs may cross from one to the other. */
    uint8_t sequence[LITERAL_CODES + DISTANCE_CODES];
    memcpy(sequence, literal_lengths, (size_t)literals);
    memcpy(sequence + literals, distance_lengths, (size_t)distances);
    uint16_t runs[LITERAL_CODES + DISTANCE_CODES];
    uint32_t run_freq[19] = {0};
    int run_count = run_lengths(sequence, literals + distances, runs, run_freq);
    uint8_t run_code_lengths[19];
    code_lengths(run_freq, 19, 7, run_code_lengths);
    int run_codes = 19;
    while (run_codes > 4 && !run_code_lengths[code_length_order[run_codes - 1]]) run_codes--;

    uint16_t literal_codes[LITERAL_CODES], distance_codes[DISTANCE_CODES], run_code[19];
    canonical_codes(literal_lengths, LITERAL_CODES, literal_codes);
    canonical_codes(distance_lengths, DISTANCE_CODES, distance_codes);
    canonical_codes(run_code_lengths, 19, run_code);

    /* The exact size is known from the frequencies, so the buffer never grows. */
    uint64_t bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)run_codes;
    for (int k = 0; k < run_count; k++)
        bits += run_code_lengths[runs[k] & 0xFF] + run_extra_bits[runs[k] & 0xFF];
    for (int s = 0; s < LITERAL_CODES; s++) {
        uint64_t extra = s >= 257 ? length_extra[s - 257] : 0;
        bits += (uint64_t)e->literal_freq[s] * (literal_lengths[s] + extra);
    }
    for (int d = 0; d < DISTANCE_CODES; d++)
        bits += (uint64_t)e->distance_freq[d] * (distance_lengths[d] + (uint64_t)distance_extra(d));
    size_t capacity = 2 + (size_t)((bits + 7) / 8) + 4 + 8;
    bit_writer w = {malloc(capacity), 0, 0, 0};
    if (!w.data) return NULL;

    w.data[w.size++] = 0x78; /* deflate, 32 KB window */
    w.data[w.size++] = 0x01; /* no dictionary; 0x7801 is a multiple of 31 */
    /* The bits start on a byte boundary, so words of 32 bits may be stored from here. */
    put_bits(&w, 1, 1);      /* final block */
    put_bits(&w, 2, 2);      /* dynamic Huffman codes */
    put_bits(&w, (uint32_t)(literals - 257), 5);
    put_bits(&w, (uint32_t)(distances - 1), 5);
    put_bits(&w, (uint32_t)(run_codes - 4), 4);
    for (int k = 0; k < run_codes; k++) put_bits(&w, run_code_lengths[code_length_order[k]], 3);
    for (int k = 0; k < run_count; k++) {
        int symbol = runs[k] & 0xFF;
        put_bits(&w, run_code[symbol], run_code_lengths[symbol]);
        if (run_extra_bits[symbol]) put_bits(&w, runs[k] >> 8, run_extra_bits[symbol]);
    }
    for (size_t t = 0; t < e->count; t++) {
        uint32_t token = e->tokens[t];
        uint32_t distance = token >> 16;
        if (!distance) {
            put_bits(&w, literal_codes[token], literal_lengths[token]);
            continue;
        }
        unsigned length = token & 0xFFFF;
        int lc = length_code(length);
        put_bits(&w, literal_codes[257 + lc], literal_lengths[257 + lc]);
        if (length_extra[lc]) put_bits(&w, length - length_base[lc], length_extra[lc]);
        int dc = distance_code(distance);
        put_bits(&w, distance_codes[dc], distance_lengths[dc]);
        if (distance_extra(dc)) put_bits(&w, distance - distance_base[dc], distance_extra(dc));
    }
    put_bits(&w, literal_codes[END_OF_BLOCK], literal_lengths[END_OF_BLOCK]);
    flush_bits(&w);
    uint32_t adler = adler_of_lines(e->data, line, height, last_copy);
    for (int k = 3; k >= 0; k--) w.data[w.size++] = (uint8_t)(adler >> (8 * k));
    *out_size = w.size;
    return w.data;
}

int sharemark_deflate_lines(const uint8_t *lines, size_t row_bytes, uint32_t height,
                            uint32_t **tokens, size_t *tokens_capacity, uint8_t **out, size_t *out_size) {
    size_t line = row_bytes + 1, size = line * height;
    uint32_t *last_copy = malloc((height ? height : 1) * sizeof *last_copy);
    matcher matcher_state, *m = &matcher_state;
    encoder *e = calloc(1, sizeof *e);
    uint8_t *result = NULL;
    if (!last_copy || !e) goto done;

    /* Rows equal to the row above; a copy is only a match when a row fits the window. The
     * rows are compared first to last, the order in which they are laid out in memory. */
    for (uint32_t y = 0; y + 1 < height; y++)
        last_copy[y] = equal_bytes(lines + (size_t)y * line + 1, lines + (size_t)(y + 1) * line + 1, row_bytes);
    for (uint32_t y = height; y-- > 0;) last_copy[y] = y + 1 < height && last_copy[y] ? last_copy[y + 1] : y;
    /* Room for a token per byte of the rows that are not copies, and the copies' matches. */
    size_t copied = 0;
    for (uint32_t y = 1; y < height; y++)
        if (last_copy[y - 1] >= y) copied += line;
    size_t needed = size - copied + copied / (MAX_MATCH - MIN_MATCH) + height + 16;
    if (*tokens_capacity < needed) {
        free(*tokens);
        *tokens = malloc(needed * sizeof **tokens);
        *tokens_capacity = *tokens ? needed : 0;
        if (!*tokens) goto done;
    }
    e->tokens = *tokens;
    e->capacity = *tokens_capacity;
    m->data = lines;
    m->size = size;
    m->line = line;
    m->last_copy = last_copy;
    m->copies = line <= WINDOW;
    e->data = lines;
    e->size = size;

    prices p;
    estimate_prices(m, &p);
    parse(e, m, &p);
    flush_pending(e);
    /* push() may have grown the buffer (it never should: `needed` bounds the tokens). */
    *tokens = e->tokens;
    *tokens_capacity = e->capacity;
    if (!e->failed) result = write_block(e, line, height, last_copy, out_size);

done:
    free(e);
    free(last_copy);
    if (!result) return -1;
    *out = result;
    return 0;
}

int sharemark_deflate_rows(const uint8_t *rows, size_t row_bytes, uint32_t height,
                           uint8_t **out, size_t *out_size) {
    size_t line = row_bytes + 1;
    uint8_t *lines = malloc(height ? line * height : 1);
    if (!lines) return -1;
    for (uint32_t y = 0; y < height; y++) {
        lines[y * line] = 0; /* filter type None */
        memcpy(lines + y * line + 1, rows + y * row_bytes, row_bytes);
    }
    uint32_t *tokens = NULL;
    size_t tokens_capacity = 0;
    int status = sharemark_deflate_lines(lines, row_bytes, height, &tokens, &tokens_capacity, out, out_size);
    free(tokens);
    free(lines);
    return status;
}

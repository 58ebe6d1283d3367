/* Mask selection for QR symbols, computed on bit rows instead of module bytes.
 *
 * libqrencode spends three quarters of an encoding of a share link in Mask_mask: it masks the
 * symbol eight times and scores each with byte-per-module loops whose branches depend on the
 * random data modules. Here the symbol is encoded once with mask 0 (QRcode_encodeMask, which
 * libqrencode 4 exports though its public header does not declare it), unmasked, and each of
 * the eight masks is scored with the rules and arithmetic of libqrencode 4's mask.c on 64-bit
 * rows: the same penalties (N1, N2, N3 on its run lengths, N4 on its rounding), the same
 * format information, the same first-lowest choice. The chosen mask is then applied to the
 * bytes, which come out as QRcode_encodeString's. Tests compare the two over thousands of
 * inputs, and the images with the qrencode command's: a libqrencode with other rules fails
 * them. A row is one 64-bit word up to version 11 (61 modules) and three above it (up to 177);
 * the scoring is written once for rows of either size (`words`, a constant where it is used). */
#include "sharemark_qr.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Exported by libqrencode 4 (qrencode_inner.h and split.h, not installed). */
extern QRcode *QRcode_encodeMask(QRinput *input, int mask);
extern int Split_splitStringToQRinput(const char *string, QRinput *input, QRencodeMode hint, int casesensitive);

/* A row of modules with a light bit on either side (bit 0, and the bits after the last module),
 * in one 64-bit word up to 62 modules (version 11 has 61) or in three up to 190 (version 40 has
 * 177). The functions on rows take the number of words used, always a constant at the call,
 * so that each size gets code of its own. */
enum { NARROW_WIDTH = 62, ROW_WORDS = 3, MAX_WIDTH = 177 };
typedef struct {
    uint64_t w[ROW_WORDS];
} row;

#define ROW_FUNCTION __attribute__((always_inline)) static inline

ROW_FUNCTION row row_and(row a, row b, const int words) {
    for (int i = 0; i < words; i++) a.w[i] &= b.w[i];
    return a;
}
ROW_FUNCTION row row_or(row a, row b, const int words) {
    for (int i = 0; i < words; i++) a.w[i] |= b.w[i];
    return a;
}
ROW_FUNCTION row row_xor(row a, row b, const int words) {
    for (int i = 0; i < words; i++) a.w[i] ^= b.w[i];
    return a;
}
ROW_FUNCTION row row_not(row a, const int words) {
    for (int i = 0; i < words; i++) a.w[i] = ~a.w[i];
    return a;
}
/* Bit s of the result: bit s + n of `a` (0 past the end). */
ROW_FUNCTION row row_shr(row a, int n, const int words) {
    row r = {{0}};
    if (words == 1) {
        /* Narrow rows are shifted by less than 64: f is at most 8 there. */
        r.w[0] = a.w[0] >> n;
        return r;
    }
    int q = n >> 6, b = n & 63;
    for (int i = 0; i < words; i++) {
        uint64_t v = i + q < words ? a.w[i + q] >> b : 0;
        if (b && i + q + 1 < words) v |= a.w[i + q + 1] << (64 - b);
        r.w[i] = v;
    }
    return r;
}
/* Bit s of the result: bit s - n of `a` (0 before the start). */
ROW_FUNCTION row row_shl(row a, int n, const int words) {
    row r = {{0}};
    if (words == 1) {
        r.w[0] = a.w[0] << n;
        return r;
    }
    int q = n >> 6, b = n & 63;
    for (int i = 0; i < words; i++) {
        uint64_t v = i - q >= 0 ? a.w[i - q] << b : 0;
        if (b && i - q - 1 >= 0) v |= a.w[i - q - 1] >> (64 - b);
        r.w[i] = v;
    }
    return r;
}
ROW_FUNCTION int row_count(row a, const int words) {
    int n = 0;
    for (int i = 0; i < words; i++) n += __builtin_popcountll(a.w[i]);
    return n;
}
ROW_FUNCTION int row_is_empty(row a, const int words) {
    uint64_t any = 0;
    for (int i = 0; i < words; i++) any |= a.w[i];
    return any == 0;
}
/* The lowest and the highest set bit of a row that has one. */
ROW_FUNCTION row row_lowest(row a, const int words) {
    row r = {{0}};
    for (int i = 0; i < words; i++)
        if (a.w[i]) {
            r.w[i] = a.w[i] & (0 - a.w[i]);
            break;
        }
    return r;
}
ROW_FUNCTION row row_highest(row a, const int words) {
    row r = {{0}};
    for (int i = words - 1; i >= 0; i--)
        if (a.w[i]) {
            r.w[i] = 1ULL << (63 - __builtin_clzll(a.w[i]));
            break;
        }
    return r;
}
/* Bits 0 to n - 1. */
ROW_FUNCTION row row_first(int n, const int words) {
    row r = {{0}};
    for (int i = 0; i < words; i++) {
        int left = n - 64 * i;
        r.w[i] = left >= 64 ? ~0ULL : left > 0 ? (1ULL << left) - 1 : 0;
    }
    return r;
}
/* Rows in arrays are `words` words apart, so that narrow symbols keep the cache lines of one
 * word per row. */
ROW_FUNCTION row row_load(const uint64_t *p, const int words) {
    row r = {{0}};
    for (int i = 0; i < words; i++) r.w[i] = p[i];
    return r;
}
ROW_FUNCTION void row_store(uint64_t *p, row a, const int words) {
    for (int i = 0; i < words; i++) p[i] = a.w[i];
}
ROW_FUNCTION void row_set(uint64_t *p, int bit) { p[bit >> 6] |= 1ULL << (bit & 63); }
ROW_FUNCTION int row_bit(row a, int bit) { return (int)((a.w[bit >> 6] >> (bit & 63)) & 1); }

/* libqrencode's demerit coefficients (JIS X0510:2004 8.8.2). */
enum { N1 = 3, N2 = 3, N3 = 40, N4 = 10 };

/* Whether mask `mask` flips the module in column x of row y: where libqrencode's expression
 * for it is 0. */
static int mask_flips(int mask, unsigned x, unsigned y) {
    switch (mask) {
    case 0: return ((x + y) & 1) == 0;
    case 1: return (y & 1) == 0;
    case 2: return x % 3 == 0;
    case 3: return (x + y) % 3 == 0;
    case 4: return (((y / 2) + (x / 3)) & 1) == 0;
    case 5: return (((x * y) & 1) + (x * y) % 3) == 0;
    case 6: return ((((x * y) & 1) + (x * y) % 3) & 1) == 0;
    default: return ((((x * y) % 3) + ((x + y) & 1)) & 1) == 0;
    }
}

/* Every mask repeats every 6 columns and every 12 rows: its flips over a row's columns, for
 * each of the 12 row phases, made once. */
static row mask_rows[8][12];
static pthread_once_t mask_rows_once = PTHREAD_ONCE_INIT;

static void make_mask_rows(void) {
    for (int mask = 0; mask < 8; mask++)
        for (unsigned y = 0; y < 12; y++)
            for (unsigned x = 0; x < 64 * ROW_WORDS; x++)
                if (mask_flips(mask, x, y)) row_set(mask_rows[mask][y].w, (int)x);
}

static inline row mask_row(int mask, unsigned y) { return mask_rows[mask][y % 12]; }

/* Bit i of the result: bit `bit` of byte i of the 8 bytes at p. */
static inline uint64_t gather_bits(const unsigned char *p, int bit) {
    uint64_t v;
    memcpy(&v, p, 8);
    return (((v >> bit) & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56;
}

/* The 15-bit format information of ISO/IEC 18004 7.9: error-correction level and mask, a
 * BCH(15,5) code, XORed with 101010000010010. */
static unsigned format_information(int mask, QRecLevel level) {
    static const unsigned level_bits[4] = {1, 0, 3, 2}; /* L, M, Q, H */
    unsigned data = (level_bits[level & 3] << 3) | (unsigned)mask;
    unsigned remainder = data << 10;
    for (int bit = 14; bit >= 10; bit--)
        if (remainder & (1u << bit)) remainder ^= 0x537u << (bit - 10);
    return ((data << 10) | remainder) ^ 0x5412u;
}

/* Where libqrencode's Mask_writeFormatInformation puts format bit `i` (two places each). */
static void format_positions(int width, int i, int xy[4]) {
    if (i < 8) {
        xy[0] = width - 1 - i; xy[1] = 8;
        xy[2] = 8; xy[3] = i < 6 ? i : i + 1;
    } else {
        int k = i - 8;
        xy[0] = 8; xy[1] = width - 7 + k;
        xy[2] = k == 0 ? 7 : 6 - k; xy[3] = 8;
    }
}

/* libqrencode 4 scores a line (Mask_calcRunLengthH/V, Mask_calcN1N3) on its run lengths:
 *   N1: each run of five or more modules of one colour costs 3 + (length - 5);
 *   N3: a dark run of 3f whose neighbours are runs of f, f | f, f (dark 1:1:3:1:1) costs 40
 *       when the light run before it is 4f or longer, or the line's first dark module begins
 *       it, or else when the light run after it is 4f or longer, or nothing dark follows it.
 * (The last two conditions are libqrencode's reading of "four light modules on either side":
 * its tests are i == 3 and i + 4 >= length on a run array that starts with -1 when the line
 * starts dark.) The same sums are computed here on the bits of the line, without a run array.
 *
 * `line` has the modules at bits 1 to width (bit 0 and the bits above are light, so runs end
 * at the edges); `inside` marks those bits. */
ROW_FUNCTION int line_penalty(row line, row inside, const int words) {
    /* N1: bit s of `same` when modules s and s + 1 are alike; of `five` when s to s + 4 are.
     * A run of length L >= 5 holds L - 4 such windows and costs N1 + (L - 5), that is
     * (L - 4) + (N1 - 1); a window with none just before it starts a run. */
    row same = row_and(row_and(row_not(row_xor(line, row_shr(line, 1, words), words), words), inside, words),
                       row_shr(inside, 1, words), words);
    row five = row_and(row_and(same, row_shr(same, 1, words), words),
                       row_and(row_shr(same, 2, words), row_shr(same, 3, words), words), words);
    int demerit = row_count(five, words)
        + (N1 - 1) * row_count(row_and(five, row_not(row_shl(five, 1, words), words), words), words);

    /* dark_from[k] bit s: k dark modules from s on; light_from likewise. The pattern's middle
     * run is 3f and the whole pattern 7f modules, so f is at most a seventh of the width. */
    enum { MOST_DARK = 3 * (MAX_WIDTH / 7) };
    const int most_dark = 3 * ((words * 64 - 2) / 7) < MOST_DARK ? 3 * ((words * 64 - 2) / 7) : MOST_DARK;
    uint64_t dark_from[(MOST_DARK + 2) * ROW_WORDS], light_from[(4 * (MOST_DARK / 3) + 1) * ROW_WORDS];
#define DARK_FROM(k) row_load(dark_from + (k) * words, words)
#define LIGHT_FROM(k) row_load(light_from + (k) * words, words)
    int longest_dark = 0;
    row run = line;
    row_store(dark_from + 1 * words, run, words);
    while (longest_dark < most_dark && !row_is_empty(run, words)) {
        longest_dark++;
        run = row_and(run, row_shr(line, longest_dark, words), words);
        row_store(dark_from + (longest_dark + 1) * words, run, words);
    }
    int largest_f = longest_dark / 3;
    if (largest_f == 0) return demerit;
    row light = row_and(row_not(line, words), inside, words);
    row lights = light;
    row_store(light_from + 1 * words, lights, words);
    for (int k = 1; k < 4 * largest_f; k++) {
        lights = row_and(lights, row_shr(light, k, words), words);
        row_store(light_from + (k + 1) * words, lights, words);
    }
    row first_dark = row_lowest(line, words);
    row last_dark = row_highest(line, words);
    row dark_after_light = row_shl(row_not(line, words), 1, words); /* bit s: s - 1 is light */
    for (int f = 1; f <= largest_f; f++) {
        /* Bit s: the pattern's first dark run starts at s, with exactly these run lengths. */
        row pattern = row_and(dark_after_light, DARK_FROM(f), words);
        pattern = row_and(pattern, row_shr(LIGHT_FROM(f), f, words), words);
        pattern = row_and(pattern, row_shr(DARK_FROM(3 * f), 2 * f, words), words);
        pattern = row_and(pattern, row_shr(LIGHT_FROM(f), 5 * f, words), words);
        pattern = row_and(pattern, row_shr(DARK_FROM(f), 6 * f, words), words);
        pattern = row_and(pattern, row_shr(row_not(line, words), 7 * f, words), words);
        if (row_is_empty(pattern, words)) continue;
        row before = row_or(first_dark, row_shl(LIGHT_FROM(4 * f), 4 * f, words), words);
        row after = row_or(row_shr(last_dark, 7 * f - 1, words), row_shr(LIGHT_FROM(4 * f), 7 * f, words), words);
        demerit += N3 * row_count(row_and(pattern, row_or(before, after, words), words), words);
    }
#undef DARK_FROM
#undef LIGHT_FROM
    return demerit;
}

/* Transposes a 64x64 bit matrix in place: bit x of a[y] becomes bit y of a[x]. */
static void transpose64(uint64_t a[64]) {
    uint64_t m = 0x00000000FFFFFFFFULL;
    for (int j = 32; j != 0; j >>= 1, m ^= m << j) {
        for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
            a[k] ^= t << j;
            a[k | j] ^= t;
        }
    }
}

/* Column x bit y: row y bit x, for x and y below `width`; 64 by 64 bits at a time. */
ROW_FUNCTION void transpose(const uint64_t *rows, int width, uint64_t *columns, const int words) {
    uint64_t block[64];
    for (int by = 0; by < words; by++)
        for (int bx = 0; bx < words; bx++) {
            for (int i = 0; i < 64; i++) block[i] = by * 64 + i < width ? rows[(by * 64 + i) * words + bx] : 0;
            transpose64(block);
            for (int j = 0; j < 64 && bx * 64 + j < width; j++) columns[(bx * 64 + j) * words + by] = block[j];
        }
}

/* libqrencode's score of one masked symbol (rows[y] bit x = module dark). */
ROW_FUNCTION int penalty(const uint64_t *rows, int width, const int words) {
    row width_bits = row_first(width, words);
    row pair_bits = row_shr(width_bits, 1, words);
    row inside = row_shl(width_bits, 1, words);
    int w2 = width * width;
    int blacks = 0, demerit = 0;
    row above = {{0}};
    for (int y = 0; y < width; y++) {
        row here = row_load(rows + y * words, words);
        blacks += row_count(here, words);
        if (y > 0) {
            /* N2: 2x2 blocks of one colour, each counted at its top-left module. */
            row dark = row_and(here, above, words);
            row light = row_and(row_not(row_or(here, above, words), words), width_bits, words);
            row blocks = row_or(row_and(dark, row_shr(dark, 1, words), words), row_and(light, row_shr(light, 1, words), words), words);
            demerit += N2 * row_count(row_and(blocks, pair_bits, words), words);
        }
        demerit += line_penalty(row_shl(here, 1, words), inside, words);
        above = here;
    }
    uint64_t columns[MAX_WIDTH * ROW_WORDS];
    transpose(rows, width, columns, words);
    for (int x = 0; x < width; x++) demerit += line_penalty(row_shl(row_load(columns + x * words, words), 1, words), inside, words);
    /* N4 as libqrencode rounds it: (int)(100 * blacks / w2 + 0.5), in steps of 5%. */
    int ratio = (200 * blacks + w2) / w2 / 2;
    demerit += (abs(ratio - 50) / 5) * N4;
    return demerit;
}

/* Scoring is mostly population counts: where the processor has an instruction for them, a
 * second copy of each size's scoring uses it (chosen once, when the library is loaded). */
#if defined(__x86_64__) && defined(__linux__)
#define WITH_POPCNT_CLONE __attribute__((target_clones("popcnt", "default")))
#else
#define WITH_POPCNT_CLONE
#endif

WITH_POPCNT_CLONE static int penalty_narrow(const uint64_t *rows, int width) { return penalty(rows, width, 1); }
WITH_POPCNT_CLONE static int penalty_wide(const uint64_t *rows, int width) { return penalty(rows, width, ROW_WORDS); }

/* `code` holds the symbol masked with mask 0; leaves it masked with libqrencode's choice. */
ROW_FUNCTION void choose_mask(QRcode *code, QRecLevel level, const int words) {
    pthread_once(&mask_rows_once, make_mask_rows);
    int width = code->width;
    row width_bits = row_first(width, words);
    uint64_t base[MAX_WIDTH * ROW_WORDS], function[MAX_WIDTH * ROW_WORDS], format_area[MAX_WIDTH * ROW_WORDS];
    for (int y = 0; y < width; y++) {
        /* Bit 0 of each byte is the module's colour, bit 7 marks a function module. */
        const unsigned char *p = code->data + y * width;
        row dark = {{0}}, fixed = {{0}};
        /* x is a multiple of 8, so each 8 bits fall in one word. */
        int x = 0;
        for (; x + 8 <= width; x += 8) {
            dark.w[x >> 6] |= gather_bits(p + x, 0) << (x & 63);
            fixed.w[x >> 6] |= gather_bits(p + x, 7) << (x & 63);
        }
        if (x < width) {
            unsigned char tail[8] = {0};
            memcpy(tail, p + x, (size_t)(width - x));
            dark.w[x >> 6] |= gather_bits(tail, 0) << (x & 63);
            fixed.w[x >> 6] |= gather_bits(tail, 7) << (x & 63);
        }
        row_store(function + y * words, fixed, words);
        for (int i = 0; i < words; i++) format_area[y * words + i] = 0;
        /* Unmasked. */
        row unmasked = row_xor(dark, row_and(row_and(mask_row(0, (unsigned)y), width_bits, words), row_not(fixed, words), words), words);
        row_store(base + y * words, unmasked, words);
    }
    int xy[4];
    for (int i = 0; i < 15; i++) {
        format_positions(width, i, xy);
        row_set(format_area + xy[1] * words, xy[0]);
        row_set(format_area + xy[3] * words, xy[2]);
    }
    int best = 0, lowest = 0;
    for (int mask = 0; mask < 8; mask++) {
        uint64_t rows[MAX_WIDTH * ROW_WORDS];
        unsigned format = format_information(mask, level);
        for (int y = 0; y < width; y++) {
            row flips = row_and(row_and(mask_row(mask, (unsigned)y), width_bits, words), row_not(row_load(function + y * words, words), words), words);
            row masked = row_xor(row_load(base + y * words, words), flips, words);
            row_store(rows + y * words, row_and(masked, row_not(row_load(format_area + y * words, words), words), words), words);
        }
        for (int i = 0; i < 15; i++) {
            if (!((format >> i) & 1)) continue;
            format_positions(width, i, xy);
            row_set(rows + xy[1] * words, xy[0]);
            row_set(rows + xy[3] * words, xy[2]);
        }
        int demerit = words == 1 ? penalty_narrow(rows, width) : penalty_wide(rows, width);
        if (mask == 0 || demerit < lowest) {
            lowest = demerit;
            best = mask;
        }
    }
    if (best == 0) return;
    /* The bytes as libqrencode's Mask_makeMask writes them: data modules flipped by the mask,
     * format modules 0x84 plus their bit. */
    for (int y = 0; y < width; y++) {
        unsigned char *p = code->data + y * width;
        row flip = row_and(row_and(row_xor(mask_row(0, (unsigned)y), mask_row(best, (unsigned)y), words), width_bits, words),
                           row_not(row_load(function + y * words, words), words), words);
        for (int x = 0; x < width; x++) p[x] ^= (unsigned char)row_bit(flip, x);
    }
    unsigned format = format_information(best, level);
    for (int i = 0; i < 15; i++) {
        unsigned char v = (unsigned char)(0x84 | ((format >> i) & 1));
        format_positions(width, i, xy);
        code->data[xy[1] * width + xy[0]] = v;
        code->data[xy[3] * width + xy[2]] = v;
    }
}

static QRcode *encode_input(QRinput *input, QRecLevel level) {
    QRcode *code = QRcode_encodeMask(input, 0);
    if (code == NULL) return NULL;
    if (code->width <= NARROW_WIDTH) choose_mask(code, level, 1);
    else if (code->width <= MAX_WIDTH) choose_mask(code, level, ROW_WORDS);
    else {
        QRcode_free(code);
        return QRcode_encodeInput(input);
    }
    return code;
}

/* Encodes what `input` holds, unless filling it failed (`filled` < 0), and frees it. */
static QRcode *encode_filled(QRinput *input, int filled, QRecLevel level) {
    QRcode *code = filled < 0 ? NULL : encode_input(input, level);
    QRinput_free(input);
    return code;
}

QRcode *sharemark_qr_encode_string(const char *text, int version, QRecLevel level, int casesensitive) {
    if (text == NULL) {
        errno = EINVAL;
        return NULL;
    }
    QRinput *input = QRinput_new2(version, level);
    if (input == NULL) return NULL;
    return encode_filled(input, Split_splitStringToQRinput(text, input, QR_MODE_8, casesensitive), level);
}

QRcode *sharemark_qr_encode_data(int size, const unsigned char *data, int version, QRecLevel level) {
    if (data == NULL || size == 0) {
        errno = EINVAL;
        return NULL;
    }
    QRinput *input = QRinput_new2(version, level);
    if (input == NULL) return NULL;
    return encode_filled(input, QRinput_append(input, QR_MODE_8, size, data), level);
}

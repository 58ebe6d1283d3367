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
 * them. Symbols wider than 61 modules (version 12 and above) keep libqrencode's own choice. */
#include "sharemark_qr.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Exported by libqrencode 4 (qrencode_inner.h and split.h, not installed). */
extern QRcode *QRcode_encodeMask(QRinput *input, int mask);
extern int Split_splitStringToQRinput(const char *string, QRinput *input, QRencodeMode hint, int casesensitive);

/* Rows are 64-bit words with a light bit on either side: up to version 11 (61 modules). */
enum { MAX_WIDTH = 62 };

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

/* Every mask repeats every 6 columns and every 12 rows: its flips over 64 columns, for each of
 * the 12 row phases, made once. */
static uint64_t mask_rows[8][12];
static pthread_once_t mask_rows_once = PTHREAD_ONCE_INIT;

static void make_mask_rows(void) {
    for (int mask = 0; mask < 8; mask++) {
        for (unsigned y = 0; y < 12; y++) {
            uint64_t period = 0;
            for (unsigned x = 0; x < 6; x++) period |= (uint64_t)mask_flips(mask, x, y) << x;
            /* Copies of the 6-bit period at bits 0, 6, ..., 60. */
            mask_rows[mask][y] = period * 0x1041041041041041ULL;
        }
    }
}

static inline uint64_t mask_row(int mask, unsigned y) { return mask_rows[mask][y % 12]; }

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
__attribute__((always_inline)) static inline int line_penalty(uint64_t line, uint64_t inside) {
    /* N1: bit s of `same` when modules s and s + 1 are alike; of `five` when s to s + 4 are.
     * A run of length L >= 5 holds L - 4 such windows and costs N1 + (L - 5), that is
     * (L - 4) + (N1 - 1); a window with none just before it starts a run. */
    uint64_t same = ~(line ^ (line >> 1)) & inside & (inside >> 1);
    uint64_t five = same & (same >> 1) & (same >> 2) & (same >> 3);
    int demerit = __builtin_popcountll(five) + (N1 - 1) * __builtin_popcountll(five & ~(five << 1));

    /* dark_from[k] bit s: k dark modules from s on; light_from likewise. */
    uint64_t dark_from[27], light_from[33];
    int longest_dark = 0;
    dark_from[1] = line;
    while (longest_dark < 25 && dark_from[longest_dark + 1]) {
        longest_dark++;
        dark_from[longest_dark + 1] = dark_from[longest_dark] & (line >> longest_dark);
    }
    int largest_f = longest_dark / 3;
    if (largest_f == 0) return demerit;
    uint64_t light = ~line & inside;
    light_from[1] = light;
    for (int k = 1; k < 4 * largest_f; k++) light_from[k + 1] = light_from[k] & (light >> k);
    uint64_t first_dark = line & (0 - line);
    uint64_t last_dark = 1ULL << (63 - __builtin_clzll(line));
    for (int f = 1; f <= largest_f; f++) {
        /* Bit s: the pattern's first dark run starts at s, with exactly these run lengths. */
        uint64_t pattern = (~line << 1) & dark_from[f] & (light_from[f] >> f) & (dark_from[3 * f] >> (2 * f))
            & (light_from[f] >> (5 * f)) & (dark_from[f] >> (6 * f)) & (~line >> (7 * f));
        if (!pattern) continue;
        uint64_t before = first_dark | (light_from[4 * f] << (4 * f));
        uint64_t after = (last_dark >> (7 * f - 1)) | (light_from[4 * f] >> (7 * f));
        demerit += N3 * __builtin_popcountll(pattern & (before | after));
    }
    return demerit;
}

/* Scoring is mostly population counts: where the processor has an instruction for them, a
 * second copy of this function uses it (chosen once, when the library is loaded). */
#if defined(__x86_64__) && defined(__linux__)
#define WITH_POPCNT_CLONE __attribute__((target_clones("popcnt", "default")))
#else
#define WITH_POPCNT_CLONE
#endif

/* libqrencode's score of one masked symbol (rows[y] bit x = module dark). */
WITH_POPCNT_CLONE static int penalty(const uint64_t *rows, int width) {
    uint64_t width_bits = (1ULL << width) - 1;
    uint64_t pair_bits = width_bits >> 1;
    uint64_t inside = width_bits << 1;
    int w2 = width * width;
    int blacks = 0, demerit = 0;
    uint64_t columns[64] = {0};
    for (int y = 0; y < width; y++) {
        blacks += __builtin_popcountll(rows[y]);
        columns[y] = rows[y];
        if (y > 0) {
            /* N2: 2x2 blocks of one colour, each counted at its top-left module. */
            uint64_t dark = rows[y] & rows[y - 1], light = ~(rows[y] | rows[y - 1]) & width_bits;
            demerit += N2 * __builtin_popcountll(((dark & (dark >> 1)) | (light & (light >> 1))) & pair_bits);
        }
        demerit += line_penalty(rows[y] << 1, inside);
    }
    transpose64(columns);
    for (int x = 0; x < width; x++) demerit += line_penalty(columns[x] << 1, inside);
    /* N4 as libqrencode rounds it: (int)(100 * blacks / w2 + 0.5), in steps of 5%. */
    int ratio = (200 * blacks + w2) / w2 / 2;
    demerit += (abs(ratio - 50) / 5) * N4;
    return demerit;
}

/* `code` holds the symbol masked with mask 0; leaves it masked with libqrencode's choice. */
static void choose_mask(QRcode *code, QRecLevel level) {
    pthread_once(&mask_rows_once, make_mask_rows);
    int width = code->width;
    uint64_t width_bits = (1ULL << width) - 1;
    uint64_t base[MAX_WIDTH], function[MAX_WIDTH], format_area[MAX_WIDTH] = {0};
    for (int y = 0; y < width; y++) {
        /* Bit 0 of each byte is the module's colour, bit 7 marks a function module. */
        const unsigned char *p = code->data + y * width;
        unsigned char tail[8] = {0};
        uint64_t dark = 0, fixed = 0;
        int x = 0;
        for (; x + 8 <= width; x += 8) {
            dark |= gather_bits(p + x, 0) << x;
            fixed |= gather_bits(p + x, 7) << x;
        }
        if (x < width) {
            memcpy(tail, p + x, (size_t)(width - x));
            dark |= gather_bits(tail, 0) << x;
            fixed |= gather_bits(tail, 7) << x;
        }
        function[y] = fixed;
        base[y] = dark ^ (mask_row(0, (unsigned)y) & width_bits & ~fixed); /* unmasked */
    }
    int xy[4];
    for (int i = 0; i < 15; i++) {
        format_positions(width, i, xy);
        format_area[xy[1]] |= 1ULL << xy[0];
        format_area[xy[3]] |= 1ULL << xy[2];
    }
    int best = 0, lowest = 0;
    for (int mask = 0; mask < 8; mask++) {
        uint64_t rows[MAX_WIDTH];
        unsigned format = format_information(mask, level);
        for (int y = 0; y < width; y++)
            rows[y] = (base[y] ^ (mask_row(mask, (unsigned)y) & width_bits & ~function[y])) & ~format_area[y];
        for (int i = 0; i < 15; i++) {
            if (!((format >> i) & 1)) continue;
            format_positions(width, i, xy);
            rows[xy[1]] |= 1ULL << xy[0];
            rows[xy[3]] |= 1ULL << xy[2];
        }
        int demerit = penalty(rows, width);
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
        uint64_t flip = (mask_row(0, (unsigned)y) ^ mask_row(best, (unsigned)y)) & width_bits & ~function[y];
        for (int x = 0; x < width; x++) p[x] ^= (unsigned char)((flip >> x) & 1);
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
    if (code->width > MAX_WIDTH) {
        QRcode_free(code);
        return QRcode_encodeInput(input);
    }
    choose_mask(code, level);
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

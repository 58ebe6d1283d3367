/* libFuzzer target for the own deflate encoder (Sources/CPNGShim/sharemark_deflate.c): images
 * made from the input go through sharemark_deflate_rows, and zlib's inflate must give back their
 * scanlines exactly (filter byte 0, then the row), with the Adler-32 checked and nothing after
 * the stream. Anything else aborts.
 *
 * Build and run from the repository root (Scripts/fuzz.sh deflate does the same):
 *
 *   mkdir -p .build-fuzz
 *   clang -g -O1 -fsanitize=fuzzer,address -I Sources/CPNGShim Tests/Fuzz/Deflate/deflate_fuzz.c \
 *     Sources/CPNGShim/sharemark_deflate.c -lz -o .build-fuzz/deflate
 *   .build-fuzz/deflate -max_len=65536 -max_total_time=120 .build-fuzz/corpus-deflate Tests/Fuzz/Deflate/seeds
 *
 * Input: two bytes, then the image.
 *   Bytes 0-1, little-endian: bit 15 the form of the rest (0 rows as they are, 1 runs); r = bits
 *   0-14 give the row length: 1 + r % 600 bytes when r < 0x7000, else 32700 + (r - 0x7000) bytes
 *   (rows around deflate's 32 KB window, where a copied row stops being a match).
 *   Rows as they are: the rest, cut into rows of that length; a partial last row is dropped
 *   (no row at all is an image of height 0).
 *   Runs: pairs of bytes (op, arg) appended in order to an image of at most 256 KiB, a partial last
 *   row then filled with 0xFF (the background of a 1-bit QR row); a lone last byte is ignored.
 *     op 0x00-0x3F  arg repeated (op & 0x3F) + 1 times
 *     op 0x40-0x7F  arg repeated ((op & 0x3F) + 1) * 64 times
 *     op 0x80-0xBF  the current row filled with 0xFF, then (op & 0x3F) + 1 copies of the last
 *                   whole row (0xFF bytes before there is one); when arg is not 0, byte
 *                   arg * 131 % length of the last copy is XORed with arg (a row that is nearly
 *                   a copy)
 *     op 0xC0-0xFF  the current row filled with 0xFF, then a row of QR-like modules: w =
 *                   (op & 0x1F) + 1 pixels each, dark (bit 0) or light (bit 1) from a generator
 *                   seeded with arg, most significant bit first; with op & 0x20, w - 1 copies of
 *                   it follow, as a module row at scale w.
 * Real symbols in both forms are in seeds/ (Scripts/bench-deflate.sh --write-seeds DIR writes
 * them); raw-tokens-past-capacity is rows whose tokens outgrow the buffer the encoder sizes for
 * QR images, which this target found (a pending match flushed after the room was counted). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sharemark_deflate.h"

enum { MAX_IMAGE = 1 << 18 };

typedef struct {
    uint8_t *data;
    size_t size, row_bytes;
} canvas;

static void append(canvas *c, uint8_t byte, size_t count) {
    if (count > MAX_IMAGE - c->size) count = MAX_IMAGE - c->size;
    memset(c->data + c->size, byte, count);
    c->size += count;
}

/* Fills the current row with background; returns 0 when no whole row fits after it. */
static int end_row(canvas *c) {
    size_t partial = c->size % c->row_bytes;
    if (partial) append(c, 0xFF, c->row_bytes - partial);
    return c->size % c->row_bytes == 0 && MAX_IMAGE - c->size >= c->row_bytes;
}

static void copy_last_row(canvas *c, unsigned copies, uint8_t arg) {
    for (unsigned k = 0; k < copies && end_row(c); k++) {
        if (c->size == 0) append(c, 0xFF, c->row_bytes);
        else {
            memcpy(c->data + c->size, c->data + c->size - c->row_bytes, c->row_bytes);
            c->size += c->row_bytes;
        }
    }
    if (arg && c->size >= c->row_bytes) c->data[c->size - c->row_bytes + (size_t)arg * 131 % c->row_bytes] ^= arg;
}

static void module_row(canvas *c, uint8_t op, uint8_t arg) {
    if (!end_row(c)) return;
    unsigned width = (op & 0x1F) + 1u;
    uint32_t state = 0x9E3779B9u ^ (uint32_t)arg * 2654435761u;
    uint8_t *row = c->data + c->size;
    memset(row, 0xFF, c->row_bytes);
    int dark = 0;
    for (size_t px = 0; px < c->row_bytes * 8; px++) {
        if (px % width == 0) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            dark = state & 1;
        }
        if (dark) row[px >> 3] &= (uint8_t)~(0x80u >> (px & 7));
    }
    c->size += c->row_bytes;
    if (op & 0x20) copy_last_row(c, width - 1, 0);
}

static size_t row_length(unsigned r) { return r < 0x7000 ? 1 + r % 600 : 32700 + (r - 0x7000); }

/* Inflates `stream` and aborts unless it is one complete zlib stream of exactly `want`. */
static void check(const uint8_t *stream, size_t size, const uint8_t *want, size_t want_size) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) abort();
    uint8_t *got = malloc(want_size + 1);
    if (!got) abort();
    zs.next_in = (Bytef *)stream;
    zs.avail_in = (uInt)size;
    zs.next_out = got;
    zs.avail_out = (uInt)(want_size + 1);
    int status = inflate(&zs, Z_FINISH);
    if (status != Z_STREAM_END || zs.total_out != want_size || zs.avail_in != 0 || memcmp(got, want, want_size) != 0) {
        fprintf(stderr, "deflate_fuzz: inflate status %d (%s), %lu of %zu bytes, %u bytes left over\n", status,
                zs.msg ? zs.msg : "no message", zs.total_out, want_size, zs.avail_in);
        abort();
    }
    inflateEnd(&zs);
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    unsigned header = data[0] | (unsigned)data[1] << 8;
    canvas c = {NULL, 0, row_length(header & 0x7FFF)};
    data += 2;
    size -= 2;
    if (header & 0x8000) {
        c.data = malloc(MAX_IMAGE);
        if (!c.data) return 0;
        for (size_t k = 0; k + 1 < size; k += 2) {
            uint8_t op = data[k], arg = data[k + 1];
            switch (op >> 6) {
            case 0: append(&c, arg, (op & 0x3Fu) + 1); break;
            case 1: append(&c, arg, ((op & 0x3Fu) + 1) * 64); break;
            case 2: copy_last_row(&c, (op & 0x3Fu) + 1, arg); break;
            default: module_row(&c, op, arg); break;
            }
        }
        if (c.size % c.row_bytes && !end_row(&c)) c.size -= c.size % c.row_bytes;
    } else {
        /* Copied to a buffer of exactly the rows, so that a read past them is caught. */
        c.size = size / c.row_bytes * c.row_bytes;
        c.data = malloc(c.size ? c.size : 1);
        if (!c.data) return 0;
        memcpy(c.data, data, c.size);
    }
    uint32_t height = (uint32_t)(c.size / c.row_bytes);

    size_t line = c.row_bytes + 1;
    uint8_t *scanlines = malloc(line * height + 1);
    if (!scanlines) abort();
    for (uint32_t y = 0; y < height; y++) {
        scanlines[y * line] = 0;
        memcpy(scanlines + y * line + 1, c.data + y * c.row_bytes, c.row_bytes);
    }
    uint8_t *stream = NULL;
    size_t stream_size = 0;
    if (sharemark_deflate_rows(c.data, c.row_bytes, height, &stream, &stream_size) != 0) {
        fprintf(stderr, "deflate_fuzz: the encoder failed on %u rows of %zu bytes\n", height, c.row_bytes);
        abort();
    }
    check(stream, stream_size, scanlines, line * height);
    free(stream);
    free(scanlines);
    free(c.data);
    return 0;
}

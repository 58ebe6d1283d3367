#ifndef SHAREMARK_PNG_H
#define SHAREMARK_PNG_H

#include <stddef.h>
#include <stdint.h>

/* libpng signals errors with longjmp, which must not cross Swift frames. These functions own
 * the setjmp, so every libpng failure comes back as a return code and a message instead. */

enum {
    SHAREMARK_PNG_OK = 0,
    SHAREMARK_PNG_NOT_PNG = 1,       /* the signature is not PNG's */
    SHAREMARK_PNG_TOO_LARGE = 2,     /* the header claims more pixels than allowed */
    SHAREMARK_PNG_CORRUPT = 3,       /* libpng reported an error (truncated, bad CRC, ...) */
    SHAREMARK_PNG_NO_MEMORY = 4
};

/* `compression_level` for Sharemark's own deflate encoder (sharemark_deflate.c) instead of
 * zlib's; strategy and memLevel are then unused. */
enum { SHAREMARK_PNG_OWN_DEFLATE = -1 };

/* A buffer of at least `size` bytes for the calling thread to draw an image in, or NULL when
 * out of memory. It is the thread's own and is kept, and reused, until the thread ends: one
 * as large as the thread's largest image so far. Drawing every image in fresh memory cost
 * page faults and a trim of the heap per image, a third of the CPU of the largest renders.
 * What it held is undefined. */
uint8_t *sharemark_png_canvas(size_t size);

/* Encodes a palette image whose rows are already packed at `bit_depth` bits per pixel
 * (`row_bytes` bytes each, `height` rows), laid out as PNG's unfiltered image data: each row
 * preceded by a filter byte 0, so `lines` holds `height` * (1 + `row_bytes`) bytes. `palette_rgb` holds 3 bytes per colour;
 * `palette_alpha`, when not NULL, holds one alpha per colour and is written as tRNS.
 * `pixels_per_metre` 0 writes no pHYs chunk. The last three numbers are zlib's level,
 * strategy and memLevel, or SHAREMARK_PNG_OWN_DEFLATE. On success `*out` is a malloc'd buffer of
 * `*out_size` bytes, to be released with sharemark_png_free. */
int sharemark_png_write_palette(const uint8_t *lines, size_t row_bytes,
                                uint32_t width, uint32_t height, int bit_depth,
                                const uint8_t *palette_rgb, const uint8_t *palette_alpha,
                                int colours, uint32_t pixels_per_metre, int compression_level,
                                int compression_strategy, int memory_level,
                                uint8_t **out, size_t *out_size,
                                char *message, size_t message_size);

/* Decodes any PNG into 8-bit RGBA. The header is checked against the limits before any pixel
 * memory is allocated. On success `*pixels` is a malloc'd buffer of width*height*4 bytes. */
int sharemark_png_read_rgba(const uint8_t *data, size_t size,
                            uint32_t max_width, uint32_t max_height, uint64_t max_pixels,
                            uint8_t **pixels, uint32_t *width, uint32_t *height,
                            char *message, size_t message_size);

void sharemark_png_free(void *pointer);

#endif

#ifndef SHAREMARK_DEFLATE_H
#define SHAREMARK_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Compresses the image data of an unfiltered PNG (each of `height` rows of `row_bytes` bytes,
 * preceded by filter byte 0) into one zlib stream, for an IDAT chunk. On success returns 0
 * and `*out` is a malloc'd buffer of `*out_size` bytes; returns -1 when out of memory. */
int sharemark_deflate_rows(const uint8_t *rows, size_t row_bytes, uint32_t height,
                           uint8_t **out, size_t *out_size);

/* The same for image data already laid out as the stream: `height` lines of 1 + `row_bytes`
 * bytes, each a filter byte 0 and then its row. Nothing is copied, so a caller that draws in
 * this layout saves a copy of the image. `*tokens` is a buffer of `*tokens_capacity` entries
 * (NULL and 0 at first) that the encoder grows as it needs and leaves to the caller: kept from
 * image to image, it is not allocated, and faulted in, for each. Free it with free(). */
int sharemark_deflate_lines(const uint8_t *lines, size_t row_bytes, uint32_t height,
                            uint32_t **tokens, size_t *tokens_capacity, uint8_t **out, size_t *out_size);

#endif

#include "sharemark_png.h"
#include "sharemark_deflate.h"

#include <png.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Where libpng's error handler leaves its message before it longjmps back to our setjmp. */
typedef struct {
    char *message;
    size_t message_size;
} error_context;

static void on_error(png_structp png, png_const_charp text) {
    error_context *context = (error_context *)png_get_error_ptr(png);
    if (context && context->message && context->message_size > 0) {
        strncpy(context->message, text ? text : "libpng error", context->message_size - 1);
        context->message[context->message_size - 1] = '\0';
    }
    png_longjmp(png, 1);
}

/* Warnings are not failures; libpng's default would print them to stderr. */
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} growable_buffer;

static void write_to_buffer(png_structp png, png_bytep bytes, png_size_t length) {
    growable_buffer *buffer = (growable_buffer *)png_get_io_ptr(png);
    if (buffer->size + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 1024;
        while (capacity < buffer->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(buffer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

/* Scratch memory for libpng's and zlib's state while one image is written, one block per
 * thread, reused image after image, and beside it the thread's canvas (see
 * sharemark_png_canvas) and the own encoder's token buffer. zlib's deflate state is about 280 KB (its hash table
 * alone 128 KB); allocated and freed per image, glibc handed it back to the kernel and took it
 * again, so that every image paid page faults and an madvise for memory it had just used. A
 * bump allocator over a block kept by the thread costs nothing per image; what does not fit
 * comes from malloc. The block is freed when its thread ends. */
enum { SCRATCH_SIZE = 1 << 20 };
typedef struct {
    unsigned char *base;
    size_t used;
    uint8_t *canvas;
    size_t canvas_size;
    uint32_t *tokens;
    size_t tokens_capacity;
} scratch_block;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *block) {
    if (!block) return;
    free(((scratch_block *)block)->base);
    free(((scratch_block *)block)->canvas);
    free(((scratch_block *)block)->tokens);
    free(block);
}

static void scratch_make_key(void) { pthread_key_create(&scratch_key, scratch_release); }

static scratch_block *thread_scratch(void) {
    pthread_once(&scratch_once, scratch_make_key);
    scratch_block *block = pthread_getspecific(scratch_key);
    if (!block) {
        block = calloc(1, sizeof *block);
        if (!block) return NULL;
        block->base = malloc(SCRATCH_SIZE);
        if (!block->base || pthread_setspecific(scratch_key, block) != 0) {
            free(block->base);
            free(block);
            return NULL;
        }
    }
    return block;
}

static png_voidp scratch_malloc(png_structp png, png_alloc_size_t size) {
    scratch_block *block = (scratch_block *)png_get_mem_ptr(png);
    size_t rounded = (size + 15) & ~(size_t)15;
    if (block && rounded >= size && rounded <= SCRATCH_SIZE - block->used) {
        void *memory = block->base + block->used;
        block->used += rounded;
        return memory;
    }
    return malloc(size);
}

static void scratch_free(png_structp png, png_voidp memory) {
    scratch_block *block = (scratch_block *)png_get_mem_ptr(png);
    unsigned char *p = (unsigned char *)memory;
    if (block && p >= block->base && p < block->base + SCRATCH_SIZE) return;
    free(memory);
}

uint8_t *sharemark_png_canvas(size_t size) {
    scratch_block *block = thread_scratch();
    if (!block) return NULL;
    if (block->canvas_size < size) {
        free(block->canvas);
        block->canvas = malloc(size ? size : 1);
        block->canvas_size = block->canvas ? size : 0;
    }
    return block->canvas;
}

int sharemark_png_write_palette(const uint8_t *lines, size_t row_bytes,
                                uint32_t width, uint32_t height, int bit_depth,
                                const uint8_t *palette_rgb, const uint8_t *palette_alpha,
                                int colours, uint32_t pixels_per_metre, int compression_level,
                                int compression_strategy, int memory_level,
                                uint8_t **out, size_t *out_size,
                                char *message, size_t message_size) {
    error_context context = {message, message_size};
    growable_buffer buffer = {NULL, 0, 0};
    size_t line = row_bytes + 1;
    /* Compressed before libpng starts, so the longjmp branch needs no volatile to free it. */
    uint8_t *image_data = NULL;
    size_t image_data_size = 0;
    scratch_block *scratch = thread_scratch();
    if (compression_level == SHAREMARK_PNG_OWN_DEFLATE) {
        uint32_t *own_tokens = NULL;
        size_t own_capacity = 0;
        int failed = sharemark_deflate_lines(lines, row_bytes, height, scratch ? &scratch->tokens : &own_tokens,
                                             scratch ? &scratch->tokens_capacity : &own_capacity, &image_data, &image_data_size);
        free(own_tokens);
        if (failed) return SHAREMARK_PNG_NO_MEMORY;
        /* The whole file in one allocation: the chunks around the image data take less than
         * 256 + 4 * colours bytes (signature, IHDR, PLTE, tRNS, pHYs, IDAT's frame, IEND). */
        size_t capacity = image_data_size + 256 + 4 * (size_t)colours;
        buffer.data = (uint8_t *)malloc(capacity);
        if (!buffer.data) {
            free(image_data);
            return SHAREMARK_PNG_NO_MEMORY;
        }
        buffer.capacity = capacity;
    }
    if (scratch) scratch->used = 0;
    png_structp png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning,
                                                scratch, scratch_malloc, scratch_free);
    if (!png) {
        free(buffer.data);
        free(image_data);
        return SHAREMARK_PNG_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(buffer.data);
        free(image_data);
        return SHAREMARK_PNG_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(buffer.data);
        free(image_data);
        return SHAREMARK_PNG_CORRUPT;
    }
    png_set_write_fn(png, &buffer, write_to_buffer, flush_nothing);
    png_set_IHDR(png, info, width, height, bit_depth, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color palette[256];
    png_byte alpha[256];
    for (int i = 0; i < colours && i < 256; i++) {
        palette[i].red = palette_rgb[3 * i];
        palette[i].green = palette_rgb[3 * i + 1];
        palette[i].blue = palette_rgb[3 * i + 2];
        if (palette_alpha) alpha[i] = palette_alpha[i];
    }
    png_set_PLTE(png, info, palette, colours);
    if (palette_alpha) png_set_tRNS(png, info, alpha, colours, NULL);
    if (pixels_per_metre > 0)
        png_set_pHYs(png, info, pixels_per_metre, pixels_per_metre, PNG_RESOLUTION_METER);
    /* Row filters only help images with gradients; palette rows of runs compress best raw. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    if (image_data) {
        /* libpng writes the header chunks; the image data is ours, in one IDAT. png_write_end
         * would refuse an image whose rows it did not compress, so IEND is written directly. */
        png_write_info(png, info);
        png_write_chunk(png, (png_const_bytep) "IDAT", image_data, image_data_size);
        png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
    } else {
        png_set_compression_level(png, compression_level);
        png_set_compression_strategy(png, compression_strategy);
        png_set_compression_mem_level(png, memory_level);
        png_write_info(png, info);
        for (uint32_t y = 0; y < height; y++)
            png_write_row(png, (png_const_bytep)(lines + (size_t)y * line + 1));
        png_write_end(png, NULL);
    }
    png_destroy_write_struct(&png, &info);
    free(image_data);
    *out = buffer.data;
    *out_size = buffer.size;
    return SHAREMARK_PNG_OK;
}

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} memory_reader;

static void read_from_memory(png_structp png, png_bytep bytes, png_size_t length) {
    memory_reader *reader = (memory_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) png_error(png, "truncated PNG data");
    memcpy(bytes, reader->data + reader->offset, length);
    reader->offset += length;
}

int sharemark_png_read_rgba(const uint8_t *data, size_t size,
                            uint32_t max_width, uint32_t max_height, uint64_t max_pixels,
                            uint8_t **pixels, uint32_t *width, uint32_t *height,
                            char *message, size_t message_size) {
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) return SHAREMARK_PNG_NOT_PNG;
    error_context context = {message, message_size};
    memory_reader reader = {data, size, 0};
    /* volatile: assigned after setjmp and needed in the longjmp branch to free them. */
    uint8_t *volatile image = NULL;
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    if (!png) return SHAREMARK_PNG_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return SHAREMARK_PNG_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(image);
        free(rows);
        return SHAREMARK_PNG_CORRUPT;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    /* Bound ancillary chunk memory too (e.g. a huge zTXt), not only the pixel buffer. */
    png_set_chunk_malloc_max(png, 8u * 1024 * 1024);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    if (w > max_width || h > max_height || (uint64_t)w * (uint64_t)h > max_pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        *width = w;
        *height = h;
        return SHAREMARK_PNG_TOO_LARGE;
    }
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)w * 4) png_error(png, "unexpected row layout after expansion");
    image = (uint8_t *)malloc(row_bytes * h);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!image || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = image + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *pixels = image;
    *width = w;
    *height = h;
    return SHAREMARK_PNG_OK;
}

void sharemark_png_free(void *pointer) { free(pointer); }

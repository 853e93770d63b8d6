/* CImageCodecs: PNG, JPEG and TIFF decoding and PNG encoding through libpng, libjpeg(-turbo) and
 * libtiff. Every library error is caught here, in C: libpng and libjpeg report errors by longjmp,
 * which must never cross a Swift frame, and libtiff's default handlers print to stderr.
 * Decoded images are planar Float in [0, 1] with 1 (gray) or 3 (RGB) channels; alpha is dropped. */
#ifndef IMAGE_CODECS_H
#define IMAGE_CODECS_H

#include <stddef.h>

typedef struct {
    int width;
    int height;
    int channels;   /* 1 or 3 */
    float *pixels;  /* planar: channel c, row y, column x at (c * height + y) * width + x; free with ic_free */
} ic_image;

/* Decodes the file at `path`, choosing the codec from its first bytes (not its name).
 * Returns 0 on success; otherwise writes a message to `error` (at most `error_size` bytes). */
int ic_decode_file(const char *path, ic_image *out, char *error, size_t error_size);

/* Frees the pixels of an image returned by ic_decode_file. */
void ic_free(ic_image *image);

/* Writes an 8-bit gray (channels 1) or RGB (channels 3) PNG from planar [0, 1] pixels (clamped).
 * Returns 0 on success; otherwise writes a message to `error`. */
int ic_encode_png(const char *path, const float *pixels, int width, int height, int channels,
                  char *error, size_t error_size);

#endif

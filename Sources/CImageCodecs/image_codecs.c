/* CImageCodecs: decoders (PNG, JPEG, TIFF) and encoders with all library errors caught in C.
 * libpng and libjpeg signal errors by longjmp: each decoder keeps its setjmp point in this file and
 * every resource is released on the error path. libtiff errors go to a thread-local buffer. */
#include "image_codecs.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jpeglib.h uses FILE without including stdio.h. */
#include <jpeglib.h>
#include <png.h>
#include <tiffio.h>

static void set_error(char *error, size_t size, const char *format, ...) {
    if (!error || size == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
}

static int alloc_image(ic_image *out, int width, int height, int channels, char *error, size_t size) {
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535) {
        set_error(error, size, "invalid image size %dx%d", width, height);
        return -1;
    }
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->pixels = malloc((size_t)width * height * channels * sizeof(float));
    if (!out->pixels) {
        set_error(error, size, "out of memory for a %dx%d image", width, height);
        return -1;
    }
    return 0;
}

void ic_free(ic_image *image) {
    if (image && image->pixels) {
        free(image->pixels);
        image->pixels = NULL;
    }
}

/* ---- PNG ---------------------------------------------------------------------------------- */

typedef struct {
    char *error;
    size_t error_size;
} png_error_context;

static void png_error_fn(png_structp png, png_const_charp message) {
    png_error_context *context = png_get_error_ptr(png);
    set_error(context->error, context->error_size, "PNG: %s", message);
    png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static int decode_png(FILE *file, ic_image *out, char *error, size_t error_size) {
    png_error_context context = {error, error_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, png_error_fn, png_warning_fn);
    if (!png) {
        set_error(error, error_size, "PNG: cannot create a decoder");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    png_bytep volatile data = NULL;
    png_bytepp volatile rows = NULL;
    ic_image volatile result = {0, 0, 0, NULL};
    if (!info) {
        set_error(error, error_size, "PNG: cannot create a decoder");
        png_destroy_read_struct(&png, NULL, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(data);
        free(rows);
        free(result.pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_init_io(png, file);
    png_read_info(png, info);
    png_set_expand(png);       /* palette -> RGB, gray < 8 bits -> 8 bits, tRNS -> alpha */
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int width = (int)png_get_image_width(png, info);
    int height = (int)png_get_image_height(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    int color_type = png_get_color_type(png, info);
    int channels = (color_type & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    int in_channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (in_channels != channels || (bit_depth != 8 && bit_depth != 16)) {
        set_error(error, error_size, "PNG: unsupported layout (%d channels, %d bits)", in_channels, bit_depth);
        png_longjmp(png, 1);
    }
    ic_image image;
    if (alloc_image(&image, width, height, channels, error, error_size) != 0) png_longjmp(png, 1);
    result = image;
    data = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!data || !rows) {
        set_error(error, error_size, "PNG: out of memory");
        png_longjmp(png, 1);
    }
    for (int y = 0; y < height; y++) rows[y] = data + row_bytes * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    size_t plane = (size_t)width * height;
    for (int y = 0; y < height; y++) {
        const png_byte *row = rows[y];
        for (int x = 0; x < width; x++) {
            for (int c = 0; c < channels; c++) {
                size_t i = (size_t)x * channels + c;
                float value = bit_depth == 16
                    ? (float)((row[2 * i] << 8) | row[2 * i + 1]) / 65535.0f
                    : (float)row[i] / 255.0f;
                image.pixels[c * plane + (size_t)y * width + x] = value;
            }
        }
    }
    free(data);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *out = image;
    return 0;
}

/* ---- JPEG --------------------------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
} jpeg_error_context;

static void jpeg_error_exit(j_common_ptr cinfo) {
    jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
    longjmp(context->jump, 1);
}

static void jpeg_silent_message(j_common_ptr cinfo) { (void)cinfo; }

static int decode_jpeg(FILE *file, ic_image *out, char *error, size_t error_size) {
    struct jpeg_decompress_struct cinfo;
    jpeg_error_context context;
    unsigned char *volatile row = NULL;
    ic_image volatile result = {0, 0, 0, NULL};
    cinfo.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = jpeg_error_exit;
    context.manager.output_message = jpeg_silent_message;
    if (setjmp(context.jump)) {
        char message[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, message);
        set_error(error, error_size, "JPEG: %s", message);
        free(row);
        free(result.pixels);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int channels = cinfo.output_components;
    int width = (int)cinfo.output_width;
    int height = (int)cinfo.output_height;
    ic_image image;
    if (alloc_image(&image, width, height, channels, error, error_size) != 0) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    result = image;
    row = malloc((size_t)width * channels);
    if (!row) {
        set_error(error, error_size, "JPEG: out of memory");
        free(image.pixels);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t plane = (size_t)width * height;
    while (cinfo.output_scanline < cinfo.output_height) {
        int y = (int)cinfo.output_scanline;
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&cinfo, rows, 1);
        for (int x = 0; x < width; x++)
            for (int c = 0; c < channels; c++)
                image.pixels[c * plane + (size_t)y * width + x] = row[x * channels + c] / 255.0f;
    }
    /* A truncated file is an error, not a gray tail: libjpeg only warns about a premature end. */
    if (context.manager.num_warnings > 0) {
        set_error(error, error_size, "JPEG: corrupt or truncated data");
        free(row);
        free(image.pixels);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    *out = image;
    return 0;
}

/* ---- TIFF --------------------------------------------------------------------------------- */

static _Thread_local char tiff_message[256];

static void tiff_error_handler(const char *module, const char *format, va_list args) {
    char message[200];
    vsnprintf(message, sizeof message, format, args);
    snprintf(tiff_message, sizeof tiff_message, "%s%s%s", module ? module : "", module ? ": " : "", message);
}

static void tiff_warning_handler(const char *module, const char *format, va_list args) {
    (void)module;
    (void)format;
    (void)args;
}

static int decode_tiff(const char *path, ic_image *out, char *error, size_t error_size) {
    /* Installing the same two handlers from several threads is harmless; messages are thread-local. */
    TIFFSetErrorHandler(tiff_error_handler);
    TIFFSetWarningHandler(tiff_warning_handler);
    tiff_message[0] = 0;
    TIFF *tif = TIFFOpen(path, "r");
    if (!tif) {
        set_error(error, error_size, "TIFF: %s", tiff_message[0] ? tiff_message : "cannot open");
        return -1;
    }
    uint32_t width = 0, height = 0;
    uint16_t samples = 1, photometric = PHOTOMETRIC_MINISBLACK;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    int gray = samples <= 2 && (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE);
    ic_image image;
    if (alloc_image(&image, (int)width, (int)height, gray ? 1 : 3, error, error_size) != 0) {
        TIFFClose(tif);
        return -1;
    }
    uint32_t *raster = _TIFFmalloc((tmsize_t)width * height * sizeof(uint32_t));
    if (!raster) {
        set_error(error, error_size, "TIFF: out of memory");
        free(image.pixels);
        TIFFClose(tif);
        return -1;
    }
    if (!TIFFReadRGBAImageOriented(tif, width, height, raster, ORIENTATION_TOPLEFT, 0) || tiff_message[0]) {
        set_error(error, error_size, "TIFF: %s", tiff_message[0] ? tiff_message : "cannot read the pixels");
        _TIFFfree(raster);
        free(image.pixels);
        TIFFClose(tif);
        return -1;
    }
    size_t plane = (size_t)width * height;
    for (size_t i = 0; i < plane; i++) {
        uint32_t p = raster[i];
        if (gray) {
            image.pixels[i] = TIFFGetR(p) / 255.0f;
        } else {
            image.pixels[i] = TIFFGetR(p) / 255.0f;
            image.pixels[plane + i] = TIFFGetG(p) / 255.0f;
            image.pixels[2 * plane + i] = TIFFGetB(p) / 255.0f;
        }
    }
    _TIFFfree(raster);
    TIFFClose(tif);
    *out = image;
    return 0;
}

/* ---- Dispatch ----------------------------------------------------------------------------- */

int ic_decode_file(const char *path, ic_image *out, char *error, size_t error_size) {
    out->width = out->height = out->channels = 0;
    out->pixels = NULL;
    FILE *file = fopen(path, "rb");
    if (!file) {
        set_error(error, error_size, "cannot open the file");
        return -1;
    }
    unsigned char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof magic, file);
    if (got == 0) {
        fclose(file);
        set_error(error, error_size, "the file is empty");
        return -1;
    }
    rewind(file);
    int status;
    if (got >= 8 && png_sig_cmp(magic, 0, 8) == 0) {
        status = decode_png(file, out, error, error_size);
    } else if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        status = decode_jpeg(file, out, error, error_size);
    } else if (got >= 4 && ((magic[0] == 'I' && magic[1] == 'I' && magic[2] == 42 && magic[3] == 0) ||
                            (magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 && magic[3] == 42))) {
        fclose(file);
        return decode_tiff(path, out, error, error_size);
    } else {
        set_error(error, error_size, "not a PNG, JPEG or TIFF file (unrecognised first bytes)");
        status = -1;
    }
    fclose(file);
    return status;
}

int ic_encode_png(const char *path, const float *pixels, int width, int height, int channels,
                  char *error, size_t error_size) {
    if (channels != 1 && channels != 3) {
        set_error(error, error_size, "PNG: cannot encode %d channels (1 or 3)", channels);
        return -1;
    }
    FILE *file = fopen(path, "wb");
    if (!file) {
        set_error(error, error_size, "cannot create the file: %s", strerror(errno));
        return -1;
    }
    png_error_context context = {error, error_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, png_error_fn, png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep volatile row = NULL;
    if (!png || !info) {
        set_error(error, error_size, "PNG: cannot create an encoder");
        png_destroy_write_struct(png ? &png : NULL, NULL);
        fclose(file);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(row);
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return -1;
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, width, height, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    row = malloc((size_t)width * channels);
    if (!row) {
        set_error(error, error_size, "PNG: out of memory");
        png_longjmp(png, 1);
    }
    size_t plane = (size_t)width * height;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            for (int c = 0; c < channels; c++) {
                float v = pixels[c * plane + (size_t)y * width + x];
                v = v < 0 ? 0 : (v > 1 ? 1 : v);
                row[x * channels + c] = (png_byte)(v * 255.0f + 0.5f);
            }
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    free(row);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) {
        set_error(error, error_size, "cannot finish writing the file: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Interleaved 8-bit samples of one row of a planar [0, 1] image. */
static void interleave_row(const float *pixels, int width, int height, int channels, int y, unsigned char *row) {
    size_t plane = (size_t)width * height;
    for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
            float v = pixels[c * plane + (size_t)y * width + x];
            v = v < 0 ? 0 : (v > 1 ? 1 : v);
            row[x * channels + c] = (unsigned char)(v * 255.0f + 0.5f);
        }
    }
}

int ic_encode_jpeg(const char *path, const float *pixels, int width, int height, int channels, int quality,
                   char *error, size_t error_size) {
    if (channels != 1 && channels != 3) {
        set_error(error, error_size, "JPEG: cannot encode %d channels (1 or 3)", channels);
        return -1;
    }
    FILE *volatile file = fopen(path, "wb");
    if (!file) {
        set_error(error, error_size, "cannot create the file: %s", strerror(errno));
        return -1;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_error_context context;
    unsigned char *volatile row = NULL;
    cinfo.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = jpeg_error_exit;
    context.manager.output_message = jpeg_silent_message;
    if (setjmp(context.jump)) {
        char message[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, message);
        set_error(error, error_size, "JPEG: %s", message);
        free(row);
        jpeg_destroy_compress(&cinfo);
        fclose(file);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    row = malloc((size_t)width * channels);
    if (!row) {
        set_error(error, error_size, "JPEG: out of memory");
        jpeg_destroy_compress(&cinfo);
        fclose(file);
        return -1;
    }
    while (cinfo.next_scanline < cinfo.image_height) {
        interleave_row(pixels, width, height, channels, (int)cinfo.next_scanline, row);
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(row);
    if (fclose(file) != 0) {
        set_error(error, error_size, "cannot finish writing the file: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int ic_encode_tiff(const char *path, const float *pixels, int width, int height, int channels,
                   char *error, size_t error_size) {
    if (channels != 1 && channels != 3) {
        set_error(error, error_size, "TIFF: cannot encode %d channels (1 or 3)", channels);
        return -1;
    }
    TIFFSetErrorHandler(tiff_error_handler);
    TIFFSetWarningHandler(tiff_warning_handler);
    tiff_message[0] = 0;
    TIFF *tif = TIFFOpen(path, "w");
    if (!tif) {
        set_error(error, error_size, "TIFF: %s", tiff_message[0] ? tiff_message : "cannot create the file");
        return -1;
    }
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)channels);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)8);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, channels == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)height);
    unsigned char *row = malloc((size_t)width * channels);
    int status = row ? 0 : -1;
    for (int y = 0; status == 0 && y < height; y++) {
        interleave_row(pixels, width, height, channels, y, row);
        if (TIFFWriteScanline(tif, row, (uint32_t)y, 0) < 0) status = -1;
    }
    free(row);
    TIFFClose(tif);
    if (status != 0 || tiff_message[0]) {
        set_error(error, error_size, "TIFF: %s", tiff_message[0] ? tiff_message : "cannot write the pixels");
        return -1;
    }
    return 0;
}

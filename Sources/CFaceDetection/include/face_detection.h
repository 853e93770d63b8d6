/* CFaceDetection: dlib's face detector (HOG features + linear SVM, built into dlib) and its 68-point
 * shape predictor (iBUG 300-W point order, the model file of Debian's libdlib-data) behind a C API.
 * dlib reports errors by C++ exceptions, which must never cross into Swift: every entry point
 * catches them here and returns a status with a message. One detector must not be used by two
 * threads at once (dlib's scanner keeps per-call state in the object). */
#ifndef FACE_DETECTION_H
#define FACE_DETECTION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of landmarks the shape model gives per face. */
#define FD_LANDMARKS 68

typedef struct fd_detector fd_detector;

typedef struct {
    /* The detector's box in input pixels (left, top inclusive; right, bottom inclusive, as dlib). */
    long left, top, right, bottom;
    /* Detection confidence (SVM score minus the threshold; larger is surer). */
    double confidence;
    /* Which of the detector's five HOG filters fired (front, left, right, front turned left/right). */
    unsigned long filter;
    /* x0, y0, x1, y1, ... x67, y67 in input pixels (dlib rounds them to whole pixels). */
    float points[2 * FD_LANDMARKS];
} fd_face;

/* Builds the frontal face detector and reads the 68-point shape model from `shape_model_path`.
 * Returns NULL when the model cannot be read, with a message in `error`. */
fd_detector *fd_open(const char *shape_model_path, char *error, size_t error_size);

/* Frees a detector (NULL is allowed). */
void fd_close(fd_detector *detector);

/* Finds faces in an 8-bit gray image (row-major, `width` x `height` bytes): the image is doubled
 * `upsample` times (dlib's pyramid_up) before the detector scans it, so faces down to 80 / 2^upsample
 * pixels are found; boxes are mapped back to the input, and the 68 landmarks are fitted on the input.
 * Writes at most `max_faces` faces in the detector's order (most confident first) and returns how
 * many it found in all (which may exceed `max_faces`), or -1 with a message in `error`. */
int fd_detect(fd_detector *detector, const unsigned char *gray, int width, int height, int upsample,
              fd_face *faces, int max_faces, char *error, size_t error_size);

/* "19.24.0": the dlib version the wrapper was compiled against. */
const char *fd_dlib_version(void);

#ifdef __cplusplus
}
#endif

#endif

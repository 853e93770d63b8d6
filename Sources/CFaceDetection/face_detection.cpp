// CFaceDetection: dlib 19.24's frontal face detector and 68-point shape predictor behind the C API
// of face_detection.h. Every dlib call runs inside try/catch: no C++ exception reaches Swift.

#include "face_detection.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/revision.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

struct fd_detector {
    dlib::frontal_face_detector detector;
    dlib::shape_predictor shape;
};

namespace {

void set_error(char *error, size_t size, const std::string &message) {
    if (!error || size == 0) return;
    std::snprintf(error, size, "%s", message.c_str());
}

// A gray image as dlib's array2d, copied from row-major bytes.
void copy_gray(const unsigned char *gray, int width, int height, dlib::array2d<unsigned char> &out) {
    out.set_size(height, width);
    for (int y = 0; y < height; ++y) {
        std::memcpy(&out[y][0], gray + static_cast<size_t>(y) * width, static_cast<size_t>(width));
    }
}

}  // namespace

extern "C" fd_detector *fd_open(const char *shape_model_path, char *error, size_t error_size) {
    try {
        std::ifstream probe(shape_model_path, std::ios::binary);
        if (!probe) {
            set_error(error, error_size, std::string("cannot open ") + shape_model_path + ": " + std::strerror(errno));
            return nullptr;
        }
        probe.close();
        fd_detector *d = new fd_detector;
        try {
            d->detector = dlib::get_frontal_face_detector();
            dlib::deserialize(shape_model_path) >> d->shape;
        } catch (...) {
            delete d;
            throw;
        }
        if (d->shape.num_parts() != FD_LANDMARKS) {
            std::string message = std::string(shape_model_path) + " is a shape model of " +
                                  std::to_string(d->shape.num_parts()) + " points, not 68";
            delete d;
            set_error(error, error_size, message);
            return nullptr;
        }
        return d;
    } catch (const std::exception &e) {
        set_error(error, error_size, std::string("cannot read ") + shape_model_path + ": " + e.what());
    } catch (...) {
        set_error(error, error_size, std::string("cannot read ") + shape_model_path + ": unknown error");
    }
    return nullptr;
}

extern "C" void fd_close(fd_detector *detector) { delete detector; }

extern "C" int fd_detect(fd_detector *detector, const unsigned char *gray, int width, int height, int upsample,
                         fd_face *faces, int max_faces, char *error, size_t error_size) {
    if (!detector || !gray || width <= 0 || height <= 0 || upsample < 0 || upsample > 4 || max_faces < 0) {
        set_error(error, error_size, "fd_detect: invalid arguments");
        return -1;
    }
    try {
        dlib::array2d<unsigned char> image;
        copy_gray(gray, width, height, image);
        // The detector scans the image doubled `upsample` times (as dlib's Python API does); its
        // boxes are mapped back down, and the landmarks are fitted on the original pixels.
        dlib::array2d<unsigned char> scanned;
        dlib::assign_image(scanned, image);
        dlib::pyramid_down<2> pyramid;
        for (int i = 0; i < upsample; ++i) dlib::pyramid_up(scanned, pyramid);
        std::vector<dlib::rect_detection> found;
        detector->detector(scanned, found);
        int count = static_cast<int>(found.size());
        for (int i = 0; i < count && i < max_faces; ++i) {
            dlib::rectangle box = found[i].rect;
            if (upsample > 0) box = pyramid.rect_down(box, static_cast<unsigned int>(upsample));
            dlib::full_object_detection shape = detector->shape(image, box);
            fd_face &face = faces[i];
            face.left = box.left();
            face.top = box.top();
            face.right = box.right();
            face.bottom = box.bottom();
            face.confidence = found[i].detection_confidence;
            face.filter = found[i].weight_index;
            for (unsigned long k = 0; k < FD_LANDMARKS; ++k) {
                face.points[2 * k] = static_cast<float>(shape.part(k).x());
                face.points[2 * k + 1] = static_cast<float>(shape.part(k).y());
            }
        }
        return count;
    } catch (const std::exception &e) {
        set_error(error, error_size, std::string("dlib: ") + e.what());
    } catch (...) {
        set_error(error, error_size, "dlib: unknown error");
    }
    return -1;
}

extern "C" const char *fd_dlib_version(void) {
    static const std::string version = std::to_string(DLIB_MAJOR_VERSION) + "." + std::to_string(DLIB_MINOR_VERSION) +
                                       "." + std::to_string(DLIB_PATCH_VERSION);
    return version.c_str();
}

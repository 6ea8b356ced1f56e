// The implementations of the stb headers khaosat_ui uses (ui/src/photo_fit.cpp: decode, scale and
// write photos), compiled once for Android, where there is no libstb; the desktop links Debian's
// libstb, which holds them. The headers are copied into app/jni/stb (README.md, build step 3).
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

// A picked photo made to fit an image question's max-pixels (photo_fit.hpp).
#include "photo_fit.hpp"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace khaosat::ui {

namespace {

unsigned char byte_at(std::string_view b, std::size_t i) { return static_cast<unsigned char>(b[i]); }

bool is_jpeg(std::string_view b) {
  return b.size() >= 3 && byte_at(b, 0) == 0xFF && byte_at(b, 1) == 0xD8 && byte_at(b, 2) == 0xFF;
}
bool is_png(std::string_view b) { return b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8); }

// The Orientation tag (0x0112) of IFD0 in an APP1 segment's payload ("Exif\0\0" + TIFF), or 1.
int exif_orientation(std::string_view s) {
  if (s.substr(0, 6) != std::string_view("Exif\0\0", 6)) return 1;
  std::string_view t = s.substr(6);
  if (t.size() < 8 || (t.substr(0, 2) != "II" && t.substr(0, 2) != "MM")) return 1;
  bool little = t[0] == 'I';
  auto read = [&](std::size_t at, int n) -> std::optional<std::uint32_t> {
    if (at + n > t.size()) return std::nullopt;
    std::uint32_t v = 0;
    for (int k = 0; k < n; ++k)
      v |= std::uint32_t{byte_at(t, at + k)} << (8 * (little ? k : n - 1 - k));
    return v;
  };
  auto ifd = read(4, 4);
  auto count = ifd ? read(*ifd, 2) : std::nullopt;
  if (!count) return 1;
  for (std::uint32_t k = 0; k < *count; ++k) {
    std::size_t entry = *ifd + 2 + 12 * std::size_t{k};
    auto tag = read(entry, 2), type = read(entry + 2, 2), value = read(entry + 8, 2);
    if (!tag || !type || !value) return 1;
    if (*tag == 0x0112) return *type == 3 && *value >= 1 && *value <= 8 ? static_cast<int>(*value) : 1;
  }
  return 1;
}

// The EXIF orientation of a JPEG: its segments walked from SOI to the start of scan (APP1 comes
// before it), the first Exif APP1 read; 1 when there is none or the segments do not read.
int walk_to_orientation(std::string_view b) {
  if (!is_jpeg(b)) return 1;
  std::size_t i = 2;
  while (i + 3 < b.size() && byte_at(b, i) == 0xFF) {
    unsigned char m = byte_at(b, i + 1);
    if (m == 0xFF) { ++i; continue; }          // a fill byte before a marker
    if (m == 0xDA || m == 0xD9) return 1;       // start of scan, end of image
    std::size_t length = std::size_t{byte_at(b, i + 2)} << 8 | byte_at(b, i + 3);
    if (length < 2 || i + 2 + length > b.size()) return 1;
    if (m == 0xE1) {
      std::string_view payload = b.substr(i + 4, length - 2);
      if (payload.substr(0, 6) == std::string_view("Exif\0\0", 6)) return exif_orientation(payload);
    }
    i += 2 + length;
  }
  return 1;
}

struct Pixels {
  std::vector<unsigned char> data;
  int width = 0, height = 0, channels = 0;
};

// The pixels as displayed for an EXIF orientation (2..8; 1 is as stored).
Pixels oriented(const Pixels& in, int orientation) {
  if (orientation <= 1 || orientation > 8) return in;
  const int w = in.width, h = in.height, c = in.channels;
  bool swap = orientation >= 5;
  Pixels out;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.channels = c;
  out.data.resize(in.data.size());
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2: sx = w - 1 - x; break;                  // mirrored
        case 3: sx = w - 1 - x, sy = h - 1 - y; break;  // turned 180°
        case 4: sy = h - 1 - y; break;                  // mirrored upside down
        case 5: sx = y, sy = x; break;                  // transposed
        case 6: sx = y, sy = h - 1 - x; break;          // to be turned 90° clockwise
        case 7: sx = w - 1 - y, sy = h - 1 - x; break;  // transversed
        case 8: sx = w - 1 - y, sy = x; break;          // to be turned 90° anticlockwise
      }
      std::copy_n(&in.data[(static_cast<std::size_t>(sy) * w + sx) * c], c,
                  &out.data[(static_cast<std::size_t>(y) * out.width + x) * c]);
    }
  return out;
}

// The shorter side scaled as the longer goes from `longer` to `target`, rounded, at least 1.
int scaled_side(int side, int longer, int target) {
  long long v = (2LL * side * target + longer) / (2LL * longer);
  return static_cast<int>(std::max(1LL, v));
}

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

FittedPhoto refused(PhotoProblem problem, std::string detail) {
  FittedPhoto out;
  out.problem = problem;
  out.detail = std::move(detail);
  return out;
}

}  // namespace

int jpeg_orientation(std::string_view bytes) { return walk_to_orientation(bytes); }

FittedPhoto fit_photo(std::string_view bytes, int max_pixels) {
  bool jpeg = is_jpeg(bytes), png = is_png(bytes);
  if (!jpeg && !png) return refused(PhotoProblem::NotAPicture, "not a JPEG or PNG picture");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return refused(PhotoProblem::TooLarge, "the file is too large");
  // stb_image refuses a JPEG cut short ("expected marker": it wants the end-of-image marker) or
  // a PNG whose data does not inflate, so decoding it whole is the check for damage.
  const int orientation = jpeg ? walk_to_orientation(bytes) : 1;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(data, size, &w, &h, &channels) || w <= 0 || h <= 0)
    return refused(PhotoProblem::Damaged, std::string("cannot be decoded: ") + stbi_failure_reason());
  if (static_cast<long long>(w) * h > kPhotoMaxDecodedPixels)
    return refused(PhotoProblem::TooLarge, "too many pixels: " + std::to_string(w) + "x" + std::to_string(h));
  Pixels px;
  int wanted = jpeg ? 3 : channels;
  std::unique_ptr<stbi_uc, void (*)(void*)> decoded(
      stbi_load_from_memory(data, size, &px.width, &px.height, &px.channels, wanted), stbi_image_free);
  if (!decoded) return refused(PhotoProblem::Damaged, std::string("cannot be decoded: ") + stbi_failure_reason());
  px.channels = wanted;
  FittedPhoto out;
  bool turned = orientation >= 5;
  out.width = turned ? h : w;
  out.height = turned ? w : h;
  int longer = std::max(w, h);
  if (max_pixels <= 0 || longer <= max_pixels) {
    out.bytes.assign(bytes);
    return out;
  }
  px.data.assign(decoded.get(), decoded.get() + static_cast<std::size_t>(w) * h * px.channels);
  decoded.reset();
  px = oriented(px, orientation);
  Pixels small;
  small.width = px.width >= px.height ? max_pixels : scaled_side(px.width, longer, max_pixels);
  small.height = px.height > px.width ? max_pixels : scaled_side(px.height, longer, max_pixels);
  small.channels = px.channels;
  small.data.resize(static_cast<std::size_t>(small.width) * small.height * small.channels);
  int alpha = px.channels == 4 ? 3 : px.channels == 2 ? 1 : STBIR_ALPHA_CHANNEL_NONE;
  if (!stbir_resize_uint8_srgb(px.data.data(), px.width, px.height, 0, small.data.data(), small.width,
                               small.height, 0, px.channels, alpha, 0))
    return refused(PhotoProblem::TooLarge, "cannot be scaled down");
  bool written = jpeg ? stbi_write_jpg_to_func(append_bytes, &out.bytes, small.width, small.height,
                                               small.channels, small.data.data(), kPhotoJpegQuality)
                      : stbi_write_png_to_func(append_bytes, &out.bytes, small.width, small.height,
                                               small.channels, small.data.data(), small.width * small.channels);
  if (!written) return refused(PhotoProblem::TooLarge, "the scaled picture cannot be written");
  out.width = small.width;
  out.height = small.height;
  out.scaled = true;
  return out;
}

}  // namespace khaosat::ui

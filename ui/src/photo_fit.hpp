// A picked photo made to fit an image question's orx:max-pixels before it is attached to a
// draft (the fill screen's photo path, docs/app.md "Photos"). Pure functions over bytes: no
// file, no ImGui. Decoding, resizing and encoding are stb's (Debian's libstb: stb_image,
// stb_image_resize, stb_image_write).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace khaosat::ui {

// JPEG quality of a scaled-down photo (docs/app.md).
inline constexpr int kPhotoJpegQuality = 85;
// Picked files larger than this are not read (a phone's JPEG is a few megabytes).
inline constexpr std::uint64_t kPhotoMaxFileBytes = 64ull << 20;
// Pictures with more pixels than this are refused before they are decoded (a 50-megapixel
// camera fits; a crafted PNG that would need gigabytes does not).
inline constexpr long long kPhotoMaxDecodedPixels = 60'000'000;

// Why a picked file was refused. An ordinary outcome of the officer's pick, not an error: the
// fill screen names the file and the problem in the app's language and stores nothing.
enum class PhotoProblem {
  None,
  NotAPicture,  // neither JPEG nor PNG
  Damaged,      // cut short or corrupt: stb_image cannot decode it
  TooLarge,     // more than kPhotoMaxDecodedPixels, or it cannot be scaled or written
};

struct FittedPhoto {
  PhotoProblem problem = PhotoProblem::None;
  std::string detail;         // when refused: what stb said, for logs and tests (English)
  std::string bytes;          // what to store (empty when refused)
  int width = 0, height = 0;  // of the stored picture, as it is displayed
  bool scaled = false;        // false: `bytes` are the input's, unchanged
};

// Checks that `bytes` are a whole JPEG or PNG picture and, when its longer side exceeds
// `max_pixels` (> 0), scales it down so that the longer side is max_pixels, keeping the aspect
// ratio (the shorter side rounded to the nearest pixel, at least 1). A scaled JPEG is written as
// a JPEG of kPhotoJpegQuality, with its EXIF orientation applied to the pixels (the written file
// has no EXIF, so it must be upright); a scaled PNG is written as a PNG. A picture that already
// fits, or max_pixels <= 0, keeps its bytes (and its EXIF). Anything else is refused with its
// PhotoProblem and no bytes. Every picture is decoded whole, so a damaged one is refused even
// when it would not be scaled.
FittedPhoto fit_photo(std::string_view bytes, int max_pixels);

// The EXIF orientation (1..8) of a JPEG, 1 when it has none or it cannot be read.
int jpeg_orientation(std::string_view bytes);

}  // namespace khaosat::ui

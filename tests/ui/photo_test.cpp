// A picked photo fitted to its question's max-pixels (ui/src/photo_fit.hpp): scaled down with
// the aspect ratio kept, EXIF orientation applied to what is scaled, small pictures stored as
// they are, damaged files and other files refused; and the fill screen's photo path storing
// what fit_photo made. Pictures are made here with stb_image_write and read back with stb_image.
#include <doctest/doctest.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include <string>
#include <vector>

#include "../../ui/src/photo_fit.hpp"

using namespace khaosat;

namespace {

void append(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

// An RGB picture whose left half is red and right half blue.
std::vector<unsigned char> halves(int w, int h) {
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char* p = &px[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = x < w / 2 ? 220 : 20;
      p[1] = 30;
      p[2] = x < w / 2 ? 20 : 220;
    }
  return px;
}

std::string jpeg(int w, int h) {
  std::string out;
  auto px = halves(w, h);
  REQUIRE(stbi_write_jpg_to_func(append, &out, w, h, 3, px.data(), 90));
  return out;
}

std::string png(int w, int h) {
  std::string out;
  auto px = halves(w, h);
  REQUIRE(stbi_write_png_to_func(append, &out, w, h, 3, px.data(), w * 3));
  return out;
}

// `jpeg` with an APP1 Exif segment (big-endian TIFF, IFD0 with only Orientation) after its SOI.
std::string with_orientation(const std::string& jpeg, int orientation) {
  std::string payload("Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01", 24);
  payload += std::string{'\0', static_cast<char>(orientation), '\0', '\0', '\0', '\0', '\0', '\0'};
  std::string app1 = "\xFF\xE1";
  app1 += static_cast<char>((payload.size() + 2) >> 8);
  app1 += static_cast<char>((payload.size() + 2) & 0xFF);
  return jpeg.substr(0, 2) + app1 + payload + jpeg.substr(2);
}

struct Decoded {
  int w = 0, h = 0;
  std::vector<unsigned char> px;
  // The red and blue of the pixel at (x, y).
  int red(int x, int y) const { return px[(static_cast<std::size_t>(y) * w + x) * 3]; }
  int blue(int x, int y) const { return px[(static_cast<std::size_t>(y) * w + x) * 3 + 2]; }
};

Decoded decode(const std::string& bytes) {
  Decoded d;
  int n = 0;
  stbi_uc* p = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()),
                                     &d.w, &d.h, &n, 3);
  REQUIRE(p != nullptr);
  d.px.assign(p, p + static_cast<std::size_t>(d.w) * d.h * 3);
  stbi_image_free(p);
  return d;
}

}  // namespace

TEST_CASE("ui photo: a picture larger than max-pixels is scaled down to it, aspect ratio kept") {
  ui::FittedPhoto wide = ui::fit_photo(jpeg(600, 400), 300);
  REQUIRE(wide.problem == ui::PhotoProblem::None);
  CHECK(wide.scaled);
  CHECK(wide.bytes.substr(0, 2) == "\xFF\xD8");  // still a JPEG
  Decoded d = decode(wide.bytes);
  CHECK(d.w == 300);
  CHECK(d.h == 200);
  CHECK(wide.width == 300);
  CHECK(wide.height == 200);
  // A tall PNG stays a PNG; 500x1501 at 1024: 341.1... -> 341.
  ui::FittedPhoto tall = ui::fit_photo(png(500, 1501), 1024);
  REQUIRE(tall.problem == ui::PhotoProblem::None);
  CHECK(tall.bytes.substr(0, 4) == "\x89PNG");
  d = decode(tall.bytes);
  CHECK(d.w == 341);
  CHECK(d.h == 1024);
}

TEST_CASE("ui photo: a picture that fits, or a question without max-pixels, keeps its bytes") {
  std::string small = jpeg(320, 240);
  ui::FittedPhoto same = ui::fit_photo(small, 320);
  REQUIRE(same.problem == ui::PhotoProblem::None);
  CHECK_FALSE(same.scaled);
  CHECK(same.bytes == small);
  CHECK(same.width == 320);
  std::string big = png(1300, 20);
  ui::FittedPhoto any = ui::fit_photo(big, 0);
  REQUIRE(any.problem == ui::PhotoProblem::None);
  CHECK(any.bytes == big);
}

TEST_CASE("ui photo: EXIF orientation is applied to a scaled JPEG, and kept in one stored as it is") {
  // Orientation 6: the camera held upright, the picture to be turned 90 degrees clockwise, so
  // its left half (red) is the top once turned.
  std::string turned = with_orientation(jpeg(600, 400), 6);
  CHECK(ui::jpeg_orientation(turned) == 6);
  ui::FittedPhoto f = ui::fit_photo(turned, 300);
  REQUIRE(f.problem == ui::PhotoProblem::None);
  Decoded d = decode(f.bytes);
  REQUIRE(d.w == 200);  // before the pixels are read at their places
  REQUIRE(d.h == 300);
  CHECK(f.width == 200);
  CHECK(f.height == 300);
  CHECK(d.red(100, 40) > 150);
  CHECK(d.blue(100, 40) < 100);
  CHECK(d.blue(100, 260) > 150);
  CHECK(ui::jpeg_orientation(f.bytes) == 1);  // the written file says nothing more
  // Orientation 8 (anticlockwise): the left half is the bottom.
  d = decode(ui::fit_photo(with_orientation(jpeg(600, 400), 8), 300).bytes);
  REQUIRE(d.h == 300);
  CHECK(d.red(100, 260) > 150);
  CHECK(d.blue(100, 40) > 150);
  // Fits already: the bytes, and the EXIF with them, as they were; the size as displayed.
  std::string kept = with_orientation(jpeg(60, 40), 6);
  f = ui::fit_photo(kept, 300);
  CHECK(f.bytes == kept);
  CHECK(f.width == 40);
  CHECK(f.height == 60);
}

TEST_CASE("ui photo: damaged pictures and other files are refused, with nothing to store") {
  std::string whole = jpeg(320, 240);
  ui::FittedPhoto cut = ui::fit_photo(whole.substr(0, whole.size() * 2 / 3), 1024);
  CHECK(cut.problem == ui::PhotoProblem::Damaged);
  CHECK(cut.bytes.empty());
  CHECK(ui::fit_photo(whole.substr(0, 40), 1024).problem == ui::PhotoProblem::Damaged);
  std::string p = png(100, 100);
  CHECK(ui::fit_photo(p.substr(0, p.size() / 2), 1024).problem == ui::PhotoProblem::Damaged);
  CHECK(ui::fit_photo("%PDF-1.4 not a picture", 1024).problem == ui::PhotoProblem::NotAPicture);
  CHECK(ui::fit_photo("", 1024).problem == ui::PhotoProblem::NotAPicture);
}

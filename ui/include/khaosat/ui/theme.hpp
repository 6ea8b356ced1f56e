// The app's look: high-contrast colours for sunlight, spacing for touch (targets of at least
// 48 dp), and the font atlas built from Noto Sans with every Vietnamese glyph. Works on the
// current ImGui context; the platform owns the font texture upload.
#pragma once

#include <string>

namespace khaosat::ui {

// Base text size in dp at text scale 1.0 (the "normal" text size setting).
inline constexpr float kBaseTextDp = 18.0f;
inline constexpr float kTouchTargetDp = 48.0f;

// Colours and spacing for `dp` pixels per density-independent pixel. `high_contrast` (the
// setting): black text, borders and separators, thicker frames, no grey text. The app applies it
// again whenever the setting changes (App::frame); the antialiasing flags the renderer set are
// kept.
void apply_style(float dp, bool high_contrast = false);

// Replaces the atlas's fonts with `ttf` (the bytes of a TrueType file, copied) at `pixels`,
// with Latin, Vietnamese (precomposed and combining marks), punctuation and arrows. Returns
// false when the bytes are not a font ImGui can read. The caller rebuilds its texture.
// By default glyphs are oversampled 2x across and placed at fractional positions, for a
// renderer that filters the texture (OpenGL); `whole_pixels` bakes them 1:1 and snaps them to
// whole pixels, so a renderer that copies texels as they are (SDL's software one) draws them
// as crisp.
bool load_font(const std::string& ttf, float pixels, bool whole_pixels = false);

// The UTF-8 texts a screen must be able to draw, for tests: true when every code point of
// `utf8` has a glyph in the current default font.
bool font_has_glyphs(const std::string& utf8);

}  // namespace khaosat::ui

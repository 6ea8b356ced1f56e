// Answers as people read them, wherever the app shows one outside its input field (the fill
// screen's read-only values and overview, the office's answers): dates as dd/mm/yyyy, times as
// HH:MM, a location as "lat, lon (± accuracy m)". Pure functions of the stored text; a value
// they cannot read is returned unchanged, so nothing is hidden. No ImGui here.
#pragma once

#include <string>
#include <string_view>

#include "khaosat/core/form_session.hpp"
#include "khaosat/ui/strings.hpp"

namespace khaosat::ui {

// "2026-11-25" -> "25/11/2026".
std::string date_for_people(std::string_view iso);
// "2026-11-25T08:30:00.000+07:00" -> "25/11/2026 08:30" (the clock time as recorded, its zone left out).
std::string date_time_for_people(std::string_view iso);
// "08:30:00.000+07:00" -> "08:30".
std::string time_for_people(std::string_view iso);
// "22.3862 103.499 1250.0 8.0" (lat lon altitude accuracy) -> "22.3862, 103.499 (± 8 m)";
// without an accuracy (or 0) -> "22.3862, 103.499".
std::string geopoint_for_people(std::string_view value);
// A form's title in the app's language when the form writes it in both, Vietnamese then English
// in brackets, as the built-in forms' titles are: "A. Khảo sát cơ sở (Establishment survey)" ->
// "A. Khảo sát cơ sở" in Vietnamese, "A. Establishment survey" in English (the letter before
// ". " kept). Only a bracket of plain ASCII after text with Vietnamese letters is taken for the
// English, so "Khảo sát (đợt 2)" stays whole; any other title is returned whole.
std::string title_for_people(std::string_view title, Lang lang);
// By the value's data type; other types unchanged.
std::string value_for_people(core::DataType type, const std::string& value);

}  // namespace khaosat::ui

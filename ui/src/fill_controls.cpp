// FillScreen: the controls of one question, by control and data type (fill_screen.hpp). Each
// commits through answer()/answer_values(), which autosave the draft.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>

#include <imgui.h>

#include "app_impl.hpp"
#include "fill_screen.hpp"
#include "khaosat/core/store_ids.hpp"
#include "photo_fit.hpp"
#include "value_format.hpp"

namespace khaosat::ui {

namespace {
std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "25/11/2026", "25-11-2026", "25.11.2026" or "2026-11-25" -> "2026-11-25"; "" when not a date.
std::string parse_date(const std::string& text) {
  int a, b, c;
  char s1, s2;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d", &a, &b, &c) == 3 && a > 999)
    return format("%04d-%02d-%02d", a, b, c);
  if (std::sscanf(text.c_str(), "%d%c%d%c%d", &a, &s1, &b, &s2, &c) == 5 && s1 == s2 &&
      (s1 == '/' || s1 == '-' || s1 == '.') && a >= 1 && a <= 31 && b >= 1 && b <= 12 && c > 999)
    return format("%04d-%02d-%02d", c, b, a);
  return "";
}

}  // namespace

std::string display_value(const core::NodeSnapshot& node) {
  if (node.has_choices) {
    std::string out;
    for (const auto& v : split_spaces(node.value))
      for (const auto& c : node.choices)
        if (c.value == v) out += (out.empty() ? "" : ", ") + c.label;
    return out.empty() ? node.value : out;
  }
  return value_for_people(node.data_type, node.value);
}

std::string& FillScreen::buffer(const core::NodeSnapshot& node, const std::string& shown) {
  FieldBuffer& b = buffers_[node.id];
  if (b.shown != shown || (b.text.empty() && !shown.empty())) b.text = b.shown = shown;
  return b.text;
}

void FillScreen::draw_question(const core::NodeSnapshot& node, bool show_required) {
  if (!node.relevant) return;
  std::string label = node.label.empty() ? node.ref.substr(node.ref.rfind('/') + 1) : node.label;
  if (node.required) label += " *";
  text(label);
  label_ = label;  // a field is known (to walks) by the label shown above it
  if (!node.hint.empty()) text(node.hint, colors::kMuted);
  if (node.readonly && node.type != core::NodeType::Note) {
    std::string v = display_value(node);
    text(v.empty() ? "—" : v, colors::kPrimary);
    text(app_.t(Str::readonly_value), colors::kMuted);
  } else {
    switch (node.type) {
      case core::NodeType::Note: break;
      case core::NodeType::Select1:
      case core::NodeType::Select: draw_choices(node); break;
      case core::NodeType::Upload:
        if (node.media_type == core::MediaType::Image) draw_photo(node);
        else text(format(app_.t(Str::unsupported_s), std::string(to_string(node.media_type)).c_str()), colors::kMuted);
        break;
      case core::NodeType::Trigger:
        if (choice_row(app_.t(Str::ok), node.value == "OK", true, &node)) answer(node.ref, node.value == "OK" ? "" : "OK");
        break;
      case core::NodeType::Range: draw_number(node); break;
      case core::NodeType::Input:
        switch (node.data_type) {
          case core::DataType::Int:
          case core::DataType::Decimal: draw_number(node); break;
          case core::DataType::Date:
          case core::DataType::Time:
          case core::DataType::DateTime: draw_date_time(node); break;
          case core::DataType::Geopoint: draw_geopoint(node); break;
          default: draw_text_input(node); break;
        }
        break;
      default:
        text(format(app_.t(Str::unsupported_s), std::string(to_string(node.type)).c_str()), colors::kMuted);
    }
  }
  if (!node.valid && node.violation &&
      (node.violation->condition == core::ViolationCondition::Constraint || show_required)) {
    const core::Violation& v = *node.violation;
    std::string message = !v.message.empty() ? v.message
                        : v.condition == core::ViolationCondition::Required ? app_.t(Str::required_default)
                                                                             : app_.t(Str::constraint_default);
    banner(message, IM_COL32(255, 214, 214, 255));
  }
}

void FillScreen::draw_text_input(const core::NodeSnapshot& node) {
  std::string& buf = buffer(node, node.value);
  if (text_field("##text", label_, &buf)) answer(node.ref, buf);
}

void FillScreen::draw_number(const core::NodeSnapshot& node) {
  std::string& buf = buffer(node, node.value);
  bool integer = node.data_type == core::DataType::Int || node.type == core::NodeType::Range;
  float bw = touch_height() * 1.2f, spacing = ImGui::GetStyle().ItemSpacing.x;
  double step = 1;
  if (node.type == core::NodeType::Range && !node.range_step.empty()) step = std::atof(node.range_step.c_str());
  auto bump = [&](double by) {
    double v = buf.empty() ? 0 : std::atof(buf.c_str());
    answer(node.ref, integer ? std::to_string(static_cast<long long>(v + by)) : format("%g", v + by));
  };
  if (integer) {
    if (button("-##minus", Tone::Secondary, bw)) bump(-step);
    ImGui::SameLine();
  }
  float field_w = ImGui::GetContentRegionAvail().x - (integer ? bw + spacing : 0);
  // The empty field's example is words, not "0": a grey 0 in the sun reads as an answer.
  if (text_field("##number", label_, &buf, ImGuiInputTextFlags_CharsDecimal, app_.t(Str::number_hint), field_w))
    answer(node.ref, buf);
  if (integer) {
    ImGui::SameLine();
    if (button("+##plus", Tone::Secondary, bw)) bump(step);
  }
}

void FillScreen::draw_date_time(const core::NodeSnapshot& node) {
  core::Env& env = app_.env();
  std::int64_t now = env.now_ms();
  int offset = env.utc_offset_minutes(now);
  std::time_t local = static_cast<std::time_t>(now / 1000 + offset * 60);
  std::tm tm{};
  gmtime_r(&local, &tm);
  if (node.data_type == core::DataType::Date) {
    std::string& buf = buffer(node, date_for_people(node.value));
    if (text_field("##date", label_, &buf, 0, app_.t(Str::date_format_hint))) {
      std::string iso = parse_date(buf);
      if (buf.empty()) answer(node.ref, "");
      else if (iso.empty()) error_ = format(app_.t(Str::bad_date), buf.c_str());
      else answer(node.ref, iso);
    }
    text(app_.t(Str::date_format_hint), colors::kMuted);
    float w = row_button_width(2);
    if (button(app_.t(Str::today), Tone::Secondary, w))
      answer(node.ref, format("%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
    ImGui::SameLine();
    if (button(app_.t(Str::clear), Tone::Secondary, w)) answer(node.ref, "");
    return;
  }
  std::string zone = format("%c%02d:%02d", offset < 0 ? '-' : '+', std::abs(offset) / 60, std::abs(offset) % 60);
  if (node.data_type == core::DataType::Time) {
    std::string& buf = buffer(node, node.value.substr(0, std::min<std::size_t>(5, node.value.size())));
    if (text_field("##time", label_, &buf, 0, app_.t(Str::time_example))) {
      int h, m;
      if (buf.empty()) answer(node.ref, "");
      else if (std::sscanf(buf.c_str(), "%d:%d", &h, &m) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
        answer(node.ref, format("%02d:%02d:00.000", h, m) + zone);
      else error_ = format(app_.t(Str::bad_time), buf.c_str());
    }
    text(app_.t(Str::time_format_hint), colors::kMuted);
    if (button(app_.t(Str::now), Tone::Secondary))
      answer(node.ref, format("%02d:%02d:00.000", tm.tm_hour, tm.tm_min) + zone);
    return;
  }
  draw_date_and_time(node, tm, zone);
}

// A dateTime as the date (dd/mm/yyyy) and the time (HH:MM) typed apart, both local: the value
// is written once both read, with the zone of that local time; "Bây giờ" puts in the local now.
// A walk knows the date field by the question's label, the time field by "LABEL · giờ".
void FillScreen::draw_date_and_time(const core::NodeSnapshot& node, const std::tm& now, const std::string& zone) {
  std::string shown = date_time_for_people(node.value);  // "25/11/2026 08:30" when it reads
  auto space = shown.find(' ');
  bool readable = space != std::string::npos && shown != node.value;
  std::string& date = buffer(node, readable ? shown.substr(0, space) : "");
  std::string& time = times_[node.id];
  if (readable && time_shown_[node.id] != node.value) time = shown.substr(space + 1), time_shown_[node.id] = node.value;
  auto commit = [&] {
    std::string iso = parse_date(date);
    int h, m;
    bool time_ok = std::sscanf(time.c_str(), "%d:%d", &h, &m) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60;
    if (date.empty() && time.empty()) return answer(node.ref, "");
    if (!date.empty() && iso.empty()) return void(error_ = format(app_.t(Str::bad_date), date.c_str()));
    if (!time.empty() && !time_ok) return void(error_ = format(app_.t(Str::bad_time), time.c_str()));
    if (iso.empty() || !time_ok) return;  // the other half is still to come
    // The zone of that local time (not of now: a zone may have changed its offset since).
    int y, mo, d;
    std::sscanf(iso.c_str(), "%d-%d-%d", &y, &mo, &d);
    std::tm t{};
    t.tm_year = y - 1900, t.tm_mon = mo - 1, t.tm_mday = d, t.tm_hour = h, t.tm_min = m;
    std::int64_t local_ms = static_cast<std::int64_t>(timegm(&t)) * 1000;
    core::Env& env = app_.env();
    int offset = env.utc_offset_minutes(local_ms - std::int64_t{env.utc_offset_minutes(local_ms)} * 60000);
    answer(node.ref, iso + format("T%02d:%02d:00.000%c%02d:%02d", h, m, offset < 0 ? '-' : '+', std::abs(offset) / 60,
                                  std::abs(offset) % 60));
  };
  // Each field under its caption: a format line below a field read as the caption of the next.
  text(app_.t(Str::date_caption), colors::kMuted);
  if (text_field("##date", label_, &date, 0, app_.t(Str::date_example))) commit();
  text(app_.t(Str::time_caption), colors::kMuted);
  if (text_field("##time", label_ + " · " + app_.t(Str::time_word), &time, 0, app_.t(Str::time_example))) commit();
  float w = row_button_width(2);
  if (button(app_.t(Str::now), Tone::Secondary, w))
    answer(node.ref, format("%04d-%02d-%02dT%02d:%02d:%02d.000", now.tm_year + 1900, now.tm_mon + 1, now.tm_mday,
                            now.tm_hour, now.tm_min, now.tm_sec) + zone);
  ImGui::SameLine();
  if (button(app_.t(Str::clear), Tone::Secondary, w)) {
    time.clear();
    answer(node.ref, "");
  }
}

void FillScreen::draw_choices(const core::NodeSnapshot& node) {
  bool multiple = node.type == core::NodeType::Select;
  std::vector<std::string> chosen = split_spaces(node.value);
  std::string filter;
  if (node.choices.size() > 12) {  // long lists (communes) get a search field
    std::string& query = searches_[node.id];
    text_field("##filter", app_.t(Str::search), &query, 0, app_.t(Str::search));
    filter = core::fold_for_search(query);
  }
  int shown = 0;
  for (const auto& c : node.choices) {
    if (!filter.empty() && core::fold_for_search(c.label).find(filter) == std::string::npos) continue;
    ++shown;
    bool on = std::find(chosen.begin(), chosen.end(), c.value) != chosen.end();
    if (!choice_row(c.label, on, multiple, &c)) continue;
    if (!multiple) {
      answer_values(node.ref, {c.value});
    } else {
      std::vector<std::string> next;
      for (const auto& o : node.choices) {  // keep choice order
        bool keep = std::find(chosen.begin(), chosen.end(), o.value) != chosen.end();
        if (o.value == c.value) keep = !on;
        if (keep) next.push_back(o.value);
      }
      answer_values(node.ref, next);
    }
    break;  // the snapshot is stale now: the next frame shows the new state
  }
  if (shown == 0) text(app_.t(Str::no_match), colors::kMuted);
}

void FillScreen::draw_geopoint(const core::NodeSnapshot& node) {
  if (!node.value.empty()) text(geopoint_for_people(node.value), colors::kPrimary);
  if (button(app_.t(Str::get_location))) {
    LocationService* loc = app_.options.services.location;
    auto fix = loc ? loc->current_fix() : std::nullopt;
    if (fix) answer(node.ref, *fix);
    else error_ = app_.t(Str::no_fix);
  }
  std::string& buf = buffer(node, "");
  if (text_field("##manual", label_, &buf, 0,
                 app_.t(Str::location_manual))) {
    std::vector<std::string> parts = split_spaces(buf);
    if (parts.size() == 2) parts.insert(parts.end(), {"0", "0"});
    std::string value;
    for (const auto& p : parts) value += (value.empty() ? "" : " ") + p;
    answer(node.ref, value);
  }
  if (!node.value.empty() && button(app_.t(Str::clear), Tone::Secondary)) answer(node.ref, "");
}

void FillScreen::draw_photo(const core::NodeSnapshot& node) {
  if (!node.value.empty()) text(format(app_.t(Str::photo_attached_s), node.value.c_str()), colors::kPrimary);
  bool& picking = picking_photo_[node.id];
  if (button(app_.t(Str::choose_photo), Tone::Secondary)) {
    picking = !picking;
    PhotoService* photos = app_.options.services.photo;
    photo_files_ = picking && photos ? photos->candidates() : std::vector<std::string>{};
  }
  if (!picking) {
    if (!node.value.empty() && button(app_.t(Str::clear), Tone::Secondary)) answer(node.ref, "");
    return;
  }
  if (photo_files_.empty()) text(app_.t(Str::no_photos), colors::kMuted);
  // A row's id is its path's address in photo_files_, the same from frame to frame while the
  // picker is open (an address in a copy made each frame would change, and ImGui would never see
  // a press and its release on one row: no pick would ever land).
  for (const std::string& listed : photo_files_) {
    if (!row(base_name(listed), "", &listed)) continue;
    const std::string path = listed, name = base_name(listed);
    picking = false;
    // Read and fitted to the question's max-pixels before anything is saved: a file that is no
    // picture, or a damaged one, changes nothing.
    auto bytes = app_.env().read_file(path, kPhotoMaxFileBytes);
    if (!bytes) {
      error_ = format(app_.t(Str::error_s), bytes.error().message.c_str());
      break;
    }
    FittedPhoto photo = fit_photo(*bytes, node.max_pixels);
    if (photo.problem != PhotoProblem::None) {
      Str what = photo.problem == PhotoProblem::NotAPicture ? Str::photo_not_picture_s
                 : photo.problem == PhotoProblem::Damaged   ? Str::photo_damaged_s
                                                            : Str::photo_too_large_s;
      error_ = format(app_.t(what), name.c_str());
      break;
    }
    dirty_ = true;
    autosave();  // an attachment belongs to a draft: make sure there is one
    if (draft_id_.empty()) return;
    core::AttachmentInput in;
    in.name = name;
    in.bytes = std::move(photo.bytes);
    auto attached = app_.store->attach_to_draft(draft_id_, in);
    if (!attached) error_ = format(app_.t(Str::error_s), attached.error().message.c_str());
    else answer(node.ref, name);
    break;
  }
}

}  // namespace khaosat::ui

// The XLSForm compiler, survey aspect (compiler_internal.hpp): the settings, choices and survey
// sheets read into the Field tree, with the types, columns and parameters XLSForm defines, and
// every structural mistake collected.
//
// [SECTION] Text helpers and columns
// [SECTION] Types
// [SECTION] Settings, choices, languages
// [SECTION] Survey rows -> field tree (what pyxform adds to it: compiler_generated.cpp)
#include <algorithm>
#include <cctype>

#include "xlsform/compiler_internal.hpp"

namespace khaosat::core::xlsform::detail {

// -------------------------------------------------------------------------------------------
// [SECTION] Text helpers and columns
// -------------------------------------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_xml_name(std::string_view s) {
  if (s.empty()) return false;
  auto start = [](unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; };
  if (!start(static_cast<unsigned char>(s.front()))) return false;
  int colons = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ':') {  // one prefix at most, and a name after it
      if (++colons > 1 || i + 1 == s.size() || !start(static_cast<unsigned char>(s[i + 1])))
        return false;
      continue;
    }
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80)) return false;
  }
  return true;
}

void xml_escape_into(std::string& out, std::string_view s) {
  // Most text needs no escape at all: copy the runs between the characters that do, so a
  // 100,000-row form does not append its labels one character at a time.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '"') continue;
    if (c == '\t' || c == '\n' || c == '\r') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      // XML 1.0 cannot hold other control characters (a cell pasted with one would make the
      // whole form unreadable): they become U+FFFD, visibly wrong but harmless.
      default: out += "\xEF\xBF\xBD";
    }
  }
  out.append(s.data() + run, s.size() - run);
}

std::string xml_read_back(std::string_view s, bool attribute) {
  if (std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20) {
      out += s[i];
    } else if (c == '\r') {
      out += attribute ? ' ' : '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (c == '\n' || c == '\t') {
      out += attribute ? ' ' : s[i];
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  xml_escape_into(out, s);
  return out;
}

namespace {

// Column names pyxform accepts for the same thing.
std::string column_alias(const std::string& base) {
  if (base == "constraint message" || base == "jr:constraintmsg") return "constraint_message";
  if (base == "required message" || base == "requiredmsg" || base == "jr:requiredmsg")
    return "required_message";
  if (base == "list name") return "list_name";
  if (base == "guidance hint") return "guidance_hint";
  if (base == "choice filter") return "choice_filter";
  if (base == "repeat count" || base == "jr:count") return "repeat_count";
  if (base == "read only") return "read_only";
  if (base == "caption") return "label";
  if (base == "big-image" || base == "big image") return "big-image";
  return base;
}

}  // namespace

Column split_header(std::string_view h) {
  std::string low = lower(h);
  for (std::string_view prefix : {"bind", "body", "instance"}) {
    if (!low.starts_with(prefix) || low.size() <= prefix.size() + 1 || low[prefix.size()] != ':')
      continue;
    std::size_t skip = prefix.size() + (low.compare(prefix.size(), 2, "::") == 0 ? 2 : 1);
    return {std::string(prefix), "", std::string(h.substr(skip))};
  }
  if (low.starts_with("media::")) {
    h.remove_prefix(7);
    low.erase(0, 7);
  } else if (low.starts_with("media:")) {
    h.remove_prefix(6);
    low.erase(0, 6);
  }
  // "jr:constraintMsg" and "jr:requiredMsg" are column names, not languages.
  if (low.starts_with("jr:")) return {column_alias(low), "", ""};
  auto at = h.find("::");
  std::size_t skip = 2;
  if (at == std::string_view::npos) {
    at = h.find(':');
    skip = 1;
  }
  if (at == std::string_view::npos) return {column_alias(low), "", ""};
  std::string lang(h.substr(at + skip));
  while (!lang.empty() && lang.front() == ' ') lang.erase(lang.begin());
  return {column_alias(low.substr(0, at)), lang, ""};
}

RowReader::RowReader(const Sheet& s) : sheet(s) {
  for (const auto& h : s.headers) cols.push_back(split_header(h));
  if (!has("name"))
    for (auto& c : cols)
      if (c.base == "value") c.base = "name";
}

bool RowReader::has(std::string_view base) const {
  return std::any_of(cols.begin(), cols.end(), [&](const Column& c) { return c.base == base; });
}

std::size_t RowReader::index(std::string_view base) const {
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i].base == base && cols[i].lang.empty()) return i;
  return std::string::npos;
}

namespace {

// Curly quotes pasted from a word processor become plain ones, as pyxform does: in an
// expression they would otherwise be a syntax error.
std::string plain_quotes(std::string s) {
  if (s.find('\xE2') == std::string::npos) return s;  // no curly quote can be in it
  static const std::pair<const char*, const char*> kQuotes[] = {
      {"\u201c", "\""}, {"\u201d", "\""}, {"\u2018", "'"}, {"\u2019", "'"}};
  for (const auto& [from, to] : kQuotes)
    for (std::size_t at; (at = s.find(from)) != std::string::npos;)
      s.replace(at, std::string_view(from).size(), to);
  return s;
}

}  // namespace

std::string RowReader::get(const Row& r, std::string_view base) const {
  auto i = index(base);
  return i < r.cells.size() ? plain_quotes(r.cells[i]) : std::string();
}

Texts RowReader::texts(const Row& r, std::string_view base) const {
  Texts out;
  for (std::size_t i = 0; i < cols.size() && i < r.cells.size(); ++i)
    if (cols[i].base == base && !r.cells[i].empty() && !out.count(cols[i].lang))
      out[cols[i].lang] = Cell{plain_quotes(r.cells[i]), i};
  return out;
}

// -------------------------------------------------------------------------------------------
// [SECTION] Types
// -------------------------------------------------------------------------------------------

namespace {

const TypeInfo kTypes[] = {
    {"text", "string", "input"},
    {"integer", "int", "input"},
    {"decimal", "decimal", "input"},
    {"range", "int", "range"},
    {"date", "date", "input"},
    {"time", "time", "input"},
    {"dateTime", "dateTime", "input"},
    {"note", "string", "input"},
    {"calculate", "string", ""},
    {"hidden", "string", ""},
    {"select_one", "string", "select1"},
    {"select_multiple", "string", "select"},
    {"select_one_from_file", "string", "select1"},
    {"select_multiple_from_file", "string", "select"},
    {"select_one_external", "string", "input"},
    {"select_multiple_external", "string", "input"},
    {"osm", "binary", "upload", "osm/*"},
    {"rank", "odk:rank", "odk:rank"},
    {"geopoint", "geopoint", "input"},
    {"geotrace", "geotrace", "input"},
    {"geoshape", "geoshape", "input"},
    {"barcode", "barcode", "input"},
    {"acknowledge", "string", "trigger"},
    {"trigger", "string", "trigger"},
    {"image", "binary", "upload", "image/*"},
    {"audio", "binary", "upload", "audio/*"},
    {"video", "binary", "upload", "video/*"},
    {"file", "binary", "upload", "application/*"},
    {"phone number", "string", "input"},
    {"start", "dateTime", "", "", "timestamp", "start"},
    {"end", "dateTime", "", "", "timestamp", "end"},
    {"today", "date", "", "", "date", "today"},
    {"deviceid", "string", "", "", "property", "deviceid"},
    {"subscriberid", "string", "", "", "property", "subscriberid"},
    {"simserial", "string", "", "", "property", "simserial"},
    {"phonenumber", "string", "", "", "property", "phonenumber"},
    {"username", "string", "", "", "property", "username"},
    {"email", "string", "", "", "property", "email"},
    {"uri:deviceid", "string", "", "", "property", "uri:deviceid"},
    {"uri:subscriberid", "string", "", "", "property", "uri:subscriberid"},
    {"uri:simserial", "string", "", "", "property", "uri:simserial"},
    {"uri:phonenumber", "string", "", "", "property", "uri:phonenumber"},
    {"uri:username", "string", "", "", "property", "uri:username"},
    {"uri:email", "string", "", "", "property", "uri:email"},
    {"audit", "binary", "", "", "", "", true},
    {"start-geopoint", "geopoint", ""},
    {"csv-external", "", "", "", "", "", false, true},
    {"xml-external", "", "", "", "", "", false, true},
};

// pyxform's other spellings of the same types.
const std::pair<const char*, const char*> kAliases[] = {
    {"string", "text"},           {"int", "integer"},
    {"datetime", "dateTime"},     {"location", "geopoint"},
    {"gps", "geopoint"},          {"geolocation", "geopoint"},
    {"photo", "image"},           {"imei", "deviceid"},
    {"select1", "select_one"},    {"select one", "select_one"},
    {"select all that apply", "select_multiple"},
    {"select multiple", "select_multiple"},
    {"add note prompt", "note"},  {"q note", "note"},
    {"add text prompt", "text"},  {"q string", "text"},
    {"add integer prompt", "integer"}, {"q int", "integer"},
    {"add decimal prompt", "decimal"}, {"add date prompt", "date"},
    {"add time prompt", "time"},  {"add datetime prompt", "dateTime"},
    {"add image prompt", "image"}, {"add audio prompt", "audio"},
    {"add video prompt", "video"}, {"add location prompt", "geopoint"},
    {"add barcode prompt", "barcode"}, {"add acknowledge prompt", "acknowledge"},
    {"add calculate prompt", "calculate"}, {"q calculate", "calculate"},
    {"phone_number", "phone number"},
};

}  // namespace

const TypeInfo* type_info(const std::string& canonical) {
  for (const TypeInfo& ti : kTypes)
    if (canonical == ti.name) return &ti;
  return nullptr;
}

std::string canonical_type(const std::string& lowered) {
  for (const auto& [alias, name] : kAliases)
    if (lowered == alias) return name;
  auto same_lowered = [&](std::string_view name) {
    return name.size() == lowered.size() &&
           std::equal(name.begin(), name.end(), lowered.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  for (const TypeInfo& ti : kTypes)
    if (same_lowered(ti.name)) return ti.name;
  return "";
}

// -------------------------------------------------------------------------------------------
// [SECTION] Settings, choices, languages
// -------------------------------------------------------------------------------------------

void Compiler::read_settings() {
  Settings& st = settings_;
  st.form_id = source_path_;
  if (auto slash = st.form_id.find_last_of('/'); slash != std::string::npos)
    st.form_id = st.form_id.substr(slash + 1);
  if (auto dot = st.form_id.find_last_of('.'); dot != std::string::npos) st.form_id.resize(dot);
  const Sheet* s = wb_.sheet("settings");
  if (s && !s->rows.empty()) {
    RowReader rr(*s);
    const Row& r = s->rows.front();
    st.row = &r;
    if (auto v = rr.get(r, "form_id"); !v.empty()) st.form_id = v;
    if (auto v = rr.get(r, "id_string"); !v.empty() && rr.get(r, "form_id").empty())
      st.form_id = v;
    st.title = rr.get(r, "form_title");
    st.version = rr.get(r, "version");
    st.default_lang = rr.get(r, "default_language");
    st.instance_name = rr.get(r, "instance_name");
    st.public_key = rr.get(r, "public_key");
    st.submission_url = rr.get(r, "submission_url");
    st.style = rr.get(r, "style");
    st.auto_send = rr.get(r, "auto_send");
    st.auto_delete = rr.get(r, "auto_delete");
    st.namespaces = rr.get(r, "namespaces");
    if (auto v = rr.get(r, "name"); !v.empty()) {
      if (is_xml_name(v) && v.find(':') == std::string::npos) st.root_name = v;
      else error(*s, r, rr.index("name"), "'" + v + "' is not a valid name for the form's root");
    }
    auto yes = [&](std::string_view col) {
      std::string v = lower(rr.get(r, col));
      return v == "true" || v == "yes" || v == "1" || v == "true()";
    };
    st.flat = yes("flat");
    st.omit_instance_id = yes("omit_instanceid");
    st.allow_choice_duplicates = yes("allow_choice_duplicates");
  }
  if (st.title.empty()) st.title = st.form_id;
}

void Compiler::read_choices() {
  const Sheet* s = wb_.sheet("choices");
  if (!s) return;
  RowReader rr(*s);
  const std::size_t list_col = rr.index("list_name"), name_col = rr.index("name");
  for (const Row& r : s->rows) {
    std::string list = rr.get(r, "list_name");
    if (list.empty()) continue;
    Choice c;
    c.row = &r;
    c.name = rr.get(r, "name");
    c.label = rr.texts(r, "label");
    for (const char* m : {"image", "audio", "video", "big-image"})
      if (auto t = rr.texts(r, m); !t.empty()) c.media[m] = std::move(t);
    note_media(*s, r, c.media);
    for (std::size_t i = 0; i < rr.cols.size() && i < r.cells.size(); ++i) {
      const auto& col = rr.cols[i];
      if (col.base == "list_name" || col.base == "name" || col.base == "label" ||
          !col.lang.empty() || c.media.count(col.base) || col.base.find(':') != std::string::npos)
        continue;
      if (r.cells[i].empty()) continue;
      if (!is_xml_name(s->headers[i]) || s->headers[i].find(':') != std::string::npos) {
        error(*s, r, i, "the column '" + s->headers[i] + "' cannot hold choice data: its name "
                        "must start with a letter or '_', then letters, digits, '_', '-' or '.'");
        continue;
      }
      c.extras.emplace_back(s->headers[i], r.cells[i]);
    }
    ChoiceList& cl = lists_[list];
    if (!settings_.allow_choice_duplicates && !c.name.empty()) {
      // One hash lookup per choice: a list of 100,000 choices must not compare each with
      // every earlier one.
      auto [it, fresh] = cl.row_of_name.emplace(c.name, r.number);
      if (!fresh)
        error(*s, r, name_col, "choice list '" + list + "' already has the name '" + c.name +
                                   "' (row " + std::to_string(it->second) +
                                   "); names must be unique in a list, unless the settings "
                                   "say allow_choice_duplicates");
    }
    if (cl.columns.empty())
      for (const auto& col : rr.cols) cl.columns.push_back(col.base);
    if (c.name.empty())
      error(*s, r, name_col == std::string::npos ? list_col : name_col,
            "choice list '" + list + "' has a choice without a name");
    cl.choices.push_back(std::move(c));
  }
}

void Compiler::collect_languages() {
  std::vector<std::string> found;
  bool media = false, guidance = false, unqualified = false;
  auto scan = [&](const Sheet* s) {
    if (!s) return;
    for (const auto& h : s->headers) {
      Column c = split_header(h);
      bool translatable = c.base == "label" || c.base == "hint" || c.base == "guidance_hint" ||
                          c.base == "constraint_message" || c.base == "required_message" ||
                          c.base == "image" || c.base == "audio" || c.base == "video" ||
                          c.base == "big-image";
      media = media || c.base == "image" || c.base == "audio" || c.base == "video" ||
              c.base == "big-image";
      guidance = guidance || c.base == "guidance_hint";
      unqualified = unqualified || (translatable && c.lang.empty());
      if (translatable && !c.lang.empty() &&
          std::find(found.begin(), found.end(), c.lang) == found.end())
        found.push_back(c.lang);
    }
  };
  scan(survey_);
  scan(wb_.sheet("choices"));
  // A ${} in a choice label needs itext too: the label holds an <output/>.
  bool choice_outputs = false;
  for (const auto& [name, list] : lists_)
    for (const Choice& c : list.choices)
      for (const auto& [lang, cell] : c.label)
        choice_outputs = choice_outputs || cell.text.find("${") != std::string::npos;
  translated_ = std::any_of(found.begin(), found.end(),
                            [](const std::string& l) { return l != "default"; });
  itext_ = !found.empty() || media || guidance || choice_outputs;
  if (!itext_) return;
  default_lang_ = settings_.default_lang.empty() ? "default" : settings_.default_lang;
  // The default language has a translation when some text is unqualified or names it.
  if (unqualified || std::find(found.begin(), found.end(), default_lang_) != found.end())
    langs_.push_back(default_lang_);
  for (const auto& l : found)
    if (l != default_lang_) langs_.push_back(l);
}

// -------------------------------------------------------------------------------------------
// [SECTION] Survey rows -> field tree (what pyxform adds to it: compiler_generated.cpp)
// -------------------------------------------------------------------------------------------

namespace {

std::string collapse_spaces(std::string s) {
  for (std::size_t p; (p = s.find("  ")) != std::string::npos;) s.erase(p, 1);
  return s;
}

bool is_select(const std::string& t) {
  return t == "select_one" || t == "select_multiple" || t == "rank" ||
         t == "select_one_from_file" || t == "select_multiple_from_file" ||
         t == "select_one_external" || t == "select_multiple_external";
}

// Type words that take a list (or file) name after them, and the type they mean.
const std::pair<const char*, const char*> kListTypes[] = {
    {"select_one_from_file", "select_one_from_file"},
    {"select_multiple_from_file", "select_multiple_from_file"},
    {"select_one_external", "select_one_external"},
    {"select_multiple_external", "select_multiple_external"},
    {"osm", "osm"},
    {"select_one", "select_one"},
    {"select_multiple", "select_multiple"},
    {"select one from", "select_one"},
    {"select all that apply from", "select_multiple"},
    {"select one", "select_one"},
    {"select all that apply", "select_multiple"},
    {"select1", "select_one"},
    {"rank", "rank"},
};

// The parameters each type accepts (pyxform's names).
std::vector<std::string> accepted_parameters(const std::string& t) {
  if (t == "range") return {"start", "end", "step"};
  if (t == "image") return {"max-pixels", "app"};
  if (t == "audio") return {"quality"};
  if (t == "geopoint") return {"capture-accuracy", "warning-accuracy", "allow-mock-accuracy"};
  if (t == "geotrace" || t == "geoshape") return {"allow-mock-accuracy", "incremental"};
  if (t == "select_one" || t == "select_multiple" || t == "rank") return {"randomize", "seed"};
  if (t == "select_one_from_file" || t == "select_multiple_from_file")
    return {"randomize", "seed", "value", "label"};
  if (t == "audit")
    return {"location-priority", "location-min-interval", "location-max-age", "track-changes",
            "identify-user", "track-changes-reasons"};
  return {};
}

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

bool Compiler::sheet_has_list(const char* sheet, const std::string& list) const {
  const Sheet* s = wb_.sheet(sheet);
  if (!s) return false;
  RowReader rr(*s);
  return std::any_of(s->rows.begin(), s->rows.end(),
                     [&](const Row& r) { return rr.get(r, "list_name") == list; });
}

bool Compiler::resolve_type(Field& f, const Row& r, const std::string& raw) {
  const std::size_t type_col = column_index("type");
  std::string words = collapse_spaces(raw);
  std::string low = lower(words);
  for (const char* suffix : {" or_other", " or specify other"}) {
    if (low.ends_with(suffix)) {
      f.or_other = true;
      low.resize(low.size() - std::string_view(suffix).size());
      words.resize(low.size());
    }
  }
  for (const auto& [head, type] : kListTypes) {
    const std::string_view h(head);
    if (!low.starts_with(h) || low.size() == h.size() || low[h.size()] != ' ') continue;
    f.type = type;
    f.list = words.substr(h.size() + 1);
    break;
  }
  if (f.type.empty()) {
    for (const char* unsupported : {"include", "background-audio", "background-geopoint"}) {
      std::string_view u(unsupported);
      if (low == u || (low.starts_with(u) && low[u.size()] == ' ')) {
        error(*survey_, r, type_col,
              "'" + raw + "' is not supported by khaosat (see docs/xlsform.md for the types)");
        return false;
      }
    }
    f.type = canonical_type(low);
    if (f.type.empty() || is_select(f.type)) {
      error(*survey_, r, type_col,
            is_select(f.type) ? "'" + raw + "' needs a choice list name ('" + f.type + " LIST')"
                              : "unknown type '" + raw + "'");
      return false;
    }
  }
  f.info = type_info(f.type);
  if (f.or_other && f.type != "select_one" && f.type != "select_multiple") {
    error(*survey_, r, type_col, "'or_other' only goes with select_one and select_multiple");
    return false;
  }
  if (f.type.ends_with("_from_file")) {
    std::string ext = lower(f.list.substr(f.list.find_last_of('.') + 1));
    if (f.list.find('.') == std::string::npos ||
        (ext != "csv" && ext != "xml" && ext != "geojson")) {
      error(*survey_, r, type_col, "'" + raw + "' needs a file ending in .csv, .xml or .geojson");
      return false;
    }
    if (!is_xml_name(f.list.substr(0, f.list.find_last_of('.')))) {
      error(*survey_, r, type_col, "'" + f.list + "' is not a usable file name: start with a "
                                   "letter or '_', then letters, digits, '_', '-' or '.'");
      return false;
    }
  } else if (!f.list.empty() && !is_xml_name(f.list)) {
    error(*survey_, r, type_col, "'" + f.list + "' is not a valid choice list name");
    return false;
  } else if (f.type.ends_with("_external")) {
    // pyxform: "List name not in external choices sheet". Collect reads the list from
    // itemsets.csv, written from that sheet beside the converted form.
    if (!sheet_has_list("external_choices", f.list))
      error(*survey_, r, type_col, "the choice list '" + f.list +
                                       "' is not in the external_choices sheet");
  } else if (f.type == "osm") {
    // The list's tags come from the osm sheet; without it the question has none, as in pyxform.
  } else if (!f.list.empty() && !lists_.count(f.list)) {
    error(*survey_, r, type_col, "the choice list '" + f.list + "' is not in the choices sheet");
  }
  return true;
}

void Compiler::read_columns(Field& f, const Row& r) {
  const RowReader& rr = *sr_;
  f.label = rr.texts(r, "label");
  f.hint = rr.texts(r, "hint");
  // The columns few rows fill go to the Field's FieldRare, made only when one is filled.
  auto rare_texts = [&](Texts FieldRare::*to, std::string_view base) {
    if (auto t = rr.texts(r, base); !t.empty()) f.rare_mut().*to = std::move(t);
  };
  auto rare_text = [&](std::string FieldRare::*to, std::string_view base) {
    if (auto v = rr.get(r, base); !v.empty()) f.rare_mut().*to = std::move(v);
  };
  rare_texts(&FieldRare::guidance, "guidance_hint");
  rare_texts(&FieldRare::constraint_msg, "constraint_message");
  rare_texts(&FieldRare::required_msg, "required_message");
  for (const char* m : {"image", "audio", "video", "big-image"})
    if (auto t = rr.texts(r, m); !t.empty()) f.media[m] = std::move(t);
  note_media(*survey_, r, f.media);
  f.required = rr.get(r, "required");
  f.relevant = rr.get(r, "relevant");
  f.constraint = rr.get(r, "constraint");
  f.calculation = rr.get(r, "calculation");
  f.default_value = rr.get(r, "default");
  rare_text(&FieldRare::read_only, "read_only");
  f.appearance = rr.get(r, "appearance");
  rare_text(&FieldRare::repeat_count, "repeat_count");
  f.choice_filter = rr.get(r, "choice_filter");
  rare_text(&FieldRare::trigger, "trigger");
  rare_text(&FieldRare::parameters, "parameters");
  rare_text(&FieldRare::autoplay, "autoplay");
  if (auto v = rr.get(r, "rows"); !v.empty()) f.rare_mut().body_attrs.emplace_back("rows", v);
  if (auto v = rr.get(r, "noapperrorstring"); !v.empty())
    f.rare_mut().bind_attrs.emplace_back("jr:noAppErrorString", v);
  for (std::size_t i = 0; i < rr.cols.size() && i < r.cells.size(); ++i) {
    if (r.cells[i].empty() || rr.cols[i].attr.empty()) continue;
    const std::string& b = rr.cols[i].base;
    if (!is_xml_name(rr.cols[i].attr)) {
      error(*survey_, r, i, "'" + rr.cols[i].attr + "' is not a valid attribute name");
      continue;
    }
    FieldRare& rare = f.rare_mut();
    auto& to = b == "bind" ? rare.bind_attrs : b == "body" ? rare.body_attrs : rare.instance_attrs;
    to.emplace_back(rr.cols[i].attr, r.cells[i]);
  }
  f.dynamic_default = f.kind == Kind::Leaf && is_dynamic_default(f.default_value);
}

void Compiler::parse_parameters(Field& f) {
  if (f.rare().parameters.empty()) return;
  FieldRare& rare = f.rare_mut();
  std::string p = rare.parameters;
  for (char& c : p)
    if (c == ',' || c == ';' || c == '\t') c = ' ';
  for (std::size_t at; (at = p.find(" =")) != std::string::npos;) p.erase(at, 1);
  for (std::size_t at; (at = p.find("= ")) != std::string::npos;) p.erase(at + 1, 1);
  auto accepted = accepted_parameters(f.type);
  std::size_t i = 0;
  while (i < p.size()) {
    if (p[i] == ' ') { ++i; continue; }
    std::size_t end = p.find(' ', i);
    if (end == std::string::npos) end = p.size();
    std::string item = p.substr(i, end - i);
    i = end;
    auto eq = item.find('=');
    std::string key = lower(item.substr(0, eq));
    if (eq == std::string::npos || eq + 1 == item.size()) {
      field_error(f, "parameters", "'" + item + "' is not a parameter: write name=value");
      continue;
    }
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      std::string list;
      for (const auto& a : accepted) list += (list.empty() ? "'" : ", '") + a + "'";
      field_error(f, "parameters", "'" + key + "' is not a parameter of '" + f.type + "'" +
                                       (list.empty() ? " (it takes none)"
                                                     : "; it takes " + list));
      continue;
    }
    rare.params[key] = item.substr(eq + 1);
  }
  if (f.type == "range") {
    for (const char* k : {"start", "end", "step"})
      if (rare.params.count(k) && !is_number(rare.params[k]))
        field_error(f, "parameters", std::string("range parameter '") + k +
                                         "' must be a number, not '" + rare.params[k] + "'");
    if (rare.params.count("step") && is_number(rare.params["step"]) &&
        std::strtod(rare.params["step"].c_str(), nullptr) == 0)
      field_error(f, "parameters", "range parameter 'step' must not be 0");
  }
  if (f.type == "image" && rare.params.count("max-pixels") &&
      (!is_number(rare.params["max-pixels"]) ||
       rare.params["max-pixels"].find_first_not_of("0123456789") != std::string::npos))
    field_error(f, "parameters", "'max-pixels' must be a whole number of pixels");
  for (const char* k : {"capture-accuracy", "warning-accuracy"})
    if (rare.params.count(k) && !is_number(rare.params[k]))
      field_error(f, "parameters", std::string("'") + k + "' must be a number of metres");
  if (rare.params.count("seed") && !rare.params.count("randomize"))
    field_error(f, "parameters", "'seed' needs 'randomize=true'");
}

FieldPtr Compiler::make_field(const Row& r, const std::string& raw) {
  auto f = field_arena_.make();
  f->row = &r;
  f->name = sr_->get(r, "name");
  std::string t = collapse_spaces(lower(raw));
  if (t == "begin group" || t == "begin_group") {
    f->kind = Kind::Group;
    f->type = "begin group";
  } else if (t == "begin repeat" || t == "begin_repeat") {
    f->kind = Kind::Repeat;
    f->type = "begin repeat";
  } else if (t.starts_with("begin loop over ") || t.starts_with("begin_loop over ")) {
    f->kind = Kind::Group;
    f->type = "begin group";
    f->rare_mut().loop_list = collapse_spaces(raw).substr(std::string_view("begin loop over ").size());
    if (!lists_.count(f->rare().loop_list))
      error(*survey_, r, column_index("type"),
            "the choice list '" + f->rare().loop_list + "' is not in the choices sheet");
  } else if (!resolve_type(*f, r, raw)) {
    return nullptr;
  }
  // pyxform names a note without a name itself (notes hold no data anyone refers to).
  if (f->name.empty() && f->type == "note")
    f->name = "generated_note_name_" + std::to_string(r.number);
  if (f->name.empty()) {
    std::size_t name_col = column_index("name");
    error(*survey_, r, name_col == std::string::npos ? column_index("type") : name_col,
          "a '" + raw + "' row needs a name");
    return nullptr;
  }
  if (!is_xml_name(f->name) || f->name.find(':') != std::string::npos) {
    error(*survey_, r, column_index("name"),
          "'" + f->name + "' is not a valid name: start with a letter or '_', then letters, "
          "digits, '_', '-' or '.'");
    return nullptr;
  }
  read_columns(*f, r);
  parse_parameters(*f);
  // pyxform: "The survey element named 'x' has no label or hint." A question shown with
  // nothing to read is a mistake (a note's text is its label; media alone is enough).
  // A guidance hint alone is not enough: it may be hidden.
  if (f->info && *f->info->control && f->label.empty() && f->hint.empty() && f->media.empty()) {
    std::size_t label_col = column_index("label");
    error(*survey_, r, label_col == std::string::npos ? column_index("type") : label_col,
          "the question '" + f->name + "' has no label or hint: the person filling the form "
          "would see nothing");
  }
  return f;
}

void Compiler::add_field(FieldPtr f, std::vector<Field*>& open) {
  if (f->info && f->info->no_node) {  // csv-external / xml-external: a secondary instance only
    bool csv = f->type == "csv-external";
    external_instances_.emplace_back(
        f->name, csv ? "jr://file-csv/" + f->name + ".csv" : "jr://file/" + f->name + ".xml");
    note_file(*f, "type", external_instances_.back().second, f->name);
    return;
  }
  Field* parent = open.back();
  if (f->info && f->info->meta) parent = meta_;
  // A group or repeat with a wrong name still opens, so its 'end' rows match (one error, not a
  // cascade of them); the form is refused all the same.
  if (!check_name(*f, *parent) && f->kind == Kind::Leaf) return;
  if (f->kind == Kind::Repeat && !f->rare().repeat_count.empty()) add_repeat_count(*f, open);
  f->parent = parent;
  f->flat = f->kind == Kind::Group && settings_.flat;
  f->path = child_path(*parent, f->name);
  if (f->flat) f->path.resize(f->path.size() - f->name.size() - 1);  // pyxform: the owner's
  else by_path_.emplace(f->path, f.get());
  // ${name} names the first element called so. Another element of that name from another row
  // makes ${name} ambiguous; a loop's copies of one row are not (${name} means the first copy).
  if (auto [it, added] = by_name_.emplace(f->name, f.get()); !added && it->second->row != f->row) {
    auto& same = same_name_[f->name];
    if (same.empty()) same.push_back(it->second);
    if (std::none_of(same.begin(), same.end(), [&](const Field* o) { return o->row == f->row; }))
      same.push_back(f.get());
  }
  Field* raw = f.get();
  parent->children.push_back(std::move(f));
  if (raw->kind != Kind::Leaf) open.push_back(raw);
  if (raw->or_other) add_or_other(*raw, open);
}

// pyxform's name rules (its NAMES001-005): a question, group or repeat name is unique among the
// children of its group or repeat (or of the survey, outside any), and differs from them in
// more than case (a warning: some data tools ignore case); 'meta' is reserved for the form's
// metadata; a repeat's name is unique in the whole form and is not the root element's. The same
// name in two groups is allowed; ${name} then names nothing for sure, an error where it is used
// (expand()). False, with the error given, when `f`'s name is wrong under `parent`.
bool Compiler::check_name(const Field& f, const Field& parent) {
  const Sheet& s = f.sheet ? *f.sheet : *survey_;
  const std::size_t col = column_index("name");
  auto where = [&](const Field& other) {
    const Field* p = other.parent;
    while (p && p->flat && p->parent) p = p->parent;
    return !p || p == &root_ ? std::string("outside any group or repeat")
                             : std::string(p->kind == Kind::Repeat ? "in repeat '" : "in group '") +
                                   p->name + "'";
  };
  if (f.name == "meta") {
    error(s, *f.row, col, "the name 'meta' is reserved for the form's metadata (instanceID, ...); "
                          "choose another name");
    return false;
  }
  if (f.kind == Kind::Repeat && f.name == root_.name) {
    error(s, *f.row, col, "a repeat cannot be named '" + f.name +
                              "', the name of the form's root element; choose another name");
    return false;
  }
  auto same_repeat = f.kind == Kind::Repeat ? repeat_names_.find(f.name) : repeat_names_.end();
  if (same_repeat != repeat_names_.end() && same_repeat->second->row != f.row) {  // not a loop copy
    error(s, *f.row, col, "the repeat name '" + f.name + "' is already used by the repeat in row " +
                              std::to_string(same_repeat->second->row->number) +
                              "; a repeat's name must be unique in the whole form");
    return false;
  }
  if (f.kind == Kind::Group && settings_.flat) return true;  // no element of its own
  const std::string path = child_path(parent, f.name);
  if (auto it = by_path_.find(path); it != by_path_.end()) {
    error(s, *f.row, col, "the name '" + f.name + "' is already used in row " +
                              std::to_string(it->second->row->number) + ", " + where(*it->second) +
                              " too; names must be unique within their group or repeat");
    return false;
  }
  // Nothing below refuses the field: it will be added, and may be remembered.
  if (f.kind == Kind::Repeat) repeat_names_.emplace(f.name, &f);
  if (auto [it, added] = by_lower_path_.emplace(lower(path), &f); !added)
    warning(s, *f.row, col, "the name '" + f.name + "' differs only in case from '" +
                                it->second->name + "' in row " +
                                std::to_string(it->second->row->number) + ", " +
                                where(*it->second) + " too; some data tools ignore case, so "
                                "their columns may be mixed up");
  return true;
}

void Compiler::survey_row(const Row& r, std::vector<Field*>& open, const Choice* loop) {
  const Sheet& s = *survey_;
  const std::size_t type_col = column_index("type");
  std::string raw = sr_->get(r, "type");
  std::string t = collapse_spaces(lower(raw));
  if (t.empty()) {
    if (!sr_->get(r, "name").empty())
      error(s, r, type_col, "the row named '" + sr_->get(r, "name") + "' has no type");
    return;
  }
  const bool end_loop = t == "end loop" || t == "end_loop";
  // Inside a loop, rows wait for its 'end loop' and are then copied once per choice.
  if (Field* top = open.back(); !top->rare().loop_list.empty() && !end_loop) {
    if (t.starts_with("begin loop") || t.starts_with("begin_loop"))
      error(s, r, type_col, "a loop inside a loop is not supported; close '" + top->name +
                                "' with 'end loop' first");
    else
      top->rare_mut().loop_rows.push_back(&r);
    return;
  }
  if (end_loop) {
    if (open.size() < 2 || open.back()->rare().loop_list.empty()) {
      error(s, r, type_col, "'" + raw + "' has no matching 'begin loop over' above it");
      return;
    }
    expand_loop(*open.back(), open);
    open.pop_back();
    return;
  }
  if (t == "end group" || t == "end_group" || t == "end repeat" || t == "end_repeat") {
    Kind want = t.find("repeat") != std::string::npos ? Kind::Repeat : Kind::Group;
    if (loop && open.size() <= loop_floor_) {
      error(s, r, type_col, "'" + raw + "' inside a loop closes nothing the loop opened");
      return;
    }
    if (open.size() < 2 || open.back()->kind != want) {
      error(s, r, type_col, "'" + raw + "' has no matching 'begin " +
                                (want == Kind::Repeat ? "repeat" : "group") + "' above it");
      return;
    }
    open.pop_back();
    return;
  }
  auto f = make_field(r, raw);
  if (!f) return;
  if (loop) substitute_loop_choice(*f, *loop);
  add_field(std::move(f), open);
}

void Compiler::read_survey() {
  root_.kind = Kind::Group;
  root_.name = settings_.root_name;
  root_.path = "/" + settings_.root_name;
  meta_holder_.kind = Kind::Group;
  meta_holder_.name = "meta";
  meta_holder_.path = root_.path + "/meta";
  meta_ = &meta_holder_;
  const Sheet& s = *survey_;
  const std::size_t type_col = column_index("type");
  std::vector<Field*> open{&root_};
  for (const Row& r : s.rows) survey_row(r, open, nullptr);
  for (std::size_t i = open.size(); i-- > 1;) {
    const char* what = !open[i]->rare().loop_list.empty() ? "loop"
                       : open[i]->kind == Kind::Repeat ? "repeat" : "group";
    error(s, *open[i]->row, type_col,
          std::string("'begin ") + what + "' '" + open[i]->name + "' is never closed with 'end " +
              what + "'");
  }
  expand_table_lists(root_);
  link_triggers(root_);
}

}  // namespace khaosat::core::xlsform::detail

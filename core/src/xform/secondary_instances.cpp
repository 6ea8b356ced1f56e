// The XForm loader, secondary instances: <instance id="x"> after the primary one, either inline
// or loaded from an attachment named by src="jr://...":
//   jr://file/NAME.xml, jr://file/NAME.geojson, jr://file-csv/NAME.csv, jr://instance/NAME...
//   jr://instance/last-saved is always blank (there is no previous submission to read).
// Attachments are looked up in the form's directory, then in each LoadOptions::media_dirs entry,
// first by the path after "jr://<category>/", then by its last segment (as ODK's oracle does).
// A missing attachment is an error unless LoadOptions::missing_blank (then an empty instance,
// a warning and an entry in FormDef::missing_attachments).
#include <filesystem>

#include "base/text_encoding.hpp"
#include "xform/external_data.hpp"
#include "xform/loader_internal.hpp"

namespace khaosat::core::xform_detail {

namespace {

namespace fs = std::filesystem;

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// True when `rel` could name something outside the folder it is looked up in: an absolute
// path, or a ".." segment.
bool leaves_folder(std::string_view rel) {
  if (rel.starts_with("/")) return true;
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    if (rel.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

Status xml_to_tree(std::string_view data, const std::string& what, Tree& out) {
  if (auto text = utf8_text(data, ErrorCode::form_attachment); !text)
    return Error::make(ErrorCode::form_attachment, "cannot read XML " + what + ": " + text.error().message);
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(data.data(), data.size(),
                                xform_detail::kXmlParseOptions, pugi::encoding_utf8);
  if (!parsed) {
    int line = 1;
    for (std::ptrdiff_t i = 0; i < parsed.offset && i < static_cast<std::ptrdiff_t>(data.size()); ++i)
      if (data[static_cast<std::size_t>(i)] == '\n') ++line;
    return Error::make(ErrorCode::form_attachment, "cannot parse XML " + what + ": " +
                                              parsed.description() + " at line " +
                                              std::to_string(line));
  }
  pugi::xml_node root = doc.document_element();
  if (!root) return Error::make(ErrorCode::form_attachment, "XML " + what + " has no root element");
  if (nesting_depth(doc, kMaxDepth + 1) > kMaxDepth)
    return Error::make(ErrorCode::form_attachment, "XML " + what + " is nested more than " +
                                              std::to_string(kMaxDepth) + " levels deep");
  std::vector<std::pair<std::string, std::string>> scope;
  build_tree(out, out.document(), root, scope);
  return ok_status();
}

class SecondaryLoader {
 public:
  explicit SecondaryLoader(LoadContext& ctx) : ctx_(ctx) {}

  Status load(pugi::xml_node el) {
    SecondaryInstance si;
    auto id = el.attribute("id");
    if (!id || is_blank(id.value()))
      return ctx_.error_at(ErrorCode::form_structure, el, "secondary <instance> without an id attribute");
    si.id = id.value();
    si.tree = std::make_shared<Tree>();
    if (auto src = el.attribute("src")) {
      si.src = src.value();
      XFORM_TRY(external(el, si));
    } else {
      for (auto c : el.children())
        if (c.type() == pugi::node_element) {
          auto scope = namespace_scope_at(c);
          build_tree(*si.tree, si.tree->document(), c, scope);
          break;
        }
    }
    ctx_.form.secondary.push_back(std::move(si));
    return ok_status();
  }

 private:
  Status external(pugi::xml_node el, SecondaryInstance& si) {
    const std::string& src = si.src;
    std::string where = "<instance id=\"" + si.id + "\" src=\"" + src + "\">";
    if (!src.starts_with("jr://"))
      return ctx_.error_at(ErrorCode::form_attachment, el,
                           where + ": src must be a jr:// reference");
    if (src == "jr://instance/last-saved") return ok_status();  // blank, as in ODK Web Forms
    std::string_view rest = std::string_view(src).substr(5);
    auto slash = rest.find('/');
    std::string rel = percent_decode(slash == std::string_view::npos ? rest : rest.substr(slash + 1));
    // Attachments stay inside the form's media folders: no absolute path, no "..", and no
    // symbolic link that resolves outside the folder it was found in.
    if (leaves_folder(rel))
      return ctx_.error_at(ErrorCode::form_attachment, el,
                           where + ": the path leaves the form's media folders (an absolute "
                                   "path or '..'); attachments must be inside them");
    Env& env = ctx_.opts.files();
    std::vector<std::string> dirs;
    if (!ctx_.form_dir.empty()) dirs.push_back(ctx_.form_dir);
    for (const auto& d : ctx_.opts.media_dirs) dirs.push_back(d);
    std::string looked, data;
    fs::path found;
    for (const auto& d : dirs) {
      std::vector<fs::path> candidates{fs::path(d) / rel};
      if (fs::path(rel).filename() != fs::path(rel)) candidates.push_back(fs::path(d) / fs::path(rel).filename());
      for (const fs::path& p : candidates) {
        if (!looked.empty()) looked += ", ";
        looked += p.string();
        auto info = env.stat(p.string());
        if (!info || info->kind == FileKind::Missing) continue;
        auto real = env.real_path(p.string());
        auto real_dir = env.real_path(d);
        if (!real || !real_dir)
          return ctx_.error_at(ErrorCode::form_attachment, el, where + ": " +
                                                          (!real ? real : real_dir).error().message);
        if (!real->starts_with(*real_dir == "/" ? *real_dir : *real_dir + "/"))
          return ctx_.error_at(ErrorCode::form_attachment, el,
                               where + ": " + p.string() + " resolves to " + *real +
                                   ", outside the media folder " + d +
                                   " (a symbolic link leaves it); attachments must be inside it");
        auto read = env.read_file(p.string(), kMaxInstanceFileBytes);
        if (!read) return ctx_.error_at(ErrorCode::form_attachment, el, where + ": " + read.error().message);
        data = std::move(*read);
        found = p;
        break;
      }
      if (!found.empty()) break;
    }
    if (found.empty()) {
      if (looked.empty())
        looked = "no directory: the form has no path and no media directories were given";
      if (!ctx_.opts.missing_blank)
        return ctx_.error_at(ErrorCode::form_attachment, el,
                             where + ": attachment not found (looked in: " + looked + ")");
      ctx_.form.missing_attachments.push_back({si.id, src, looked, ctx_.form.warnings.size()});
      ctx_.form.warnings.push_back(where + ": attachment not found (looked in: " + looked +
                                   "); loaded as an empty instance (line " +
                                   std::to_string(ctx_.line_of(el)) + ")");
      return ok_status();
    }
    std::string what = src + " (" + found.string() + ")";
    if (data.empty())
      return ctx_.error_at(ErrorCode::form_attachment, el, where + ": attachment " + found.string() +
                                                      " is empty");
    Status st = ok_status();
    std::string_view body = data;
    if (body.starts_with("\xEF\xBB\xBF") && !ends_with_ci(rel, ".csv")) body.remove_prefix(3);
    if (ends_with_ci(rel, ".csv")) st = csv_to_tree(data, what, *si.tree);
    else if (ends_with_ci(rel, ".geojson")) st = geojson_to_tree(body, what, *si.tree);
    else if (ends_with_ci(rel, ".xml") || trim(body).starts_with("<")) st = xml_to_tree(body, what, *si.tree);
    else
      return ctx_.error_at(ErrorCode::form_attachment, el,
                           where + ": cannot tell the format of " + found.string() +
                               " (expected .xml, .csv or .geojson)");
    if (!st.ok()) return ctx_.error_at(ErrorCode::form_attachment, el, where + ": " + st.error().message);
    return ok_status();
  }

  LoadContext& ctx_;
};

}  // namespace

Status load_secondary_instances(LoadContext& ctx, const std::vector<pugi::xml_node>& instances) {
  SecondaryLoader loader(ctx);
  for (const auto& el : instances) XFORM_TRY(loader.load(el));
  return ok_status();
}

}  // namespace khaosat::core::xform_detail

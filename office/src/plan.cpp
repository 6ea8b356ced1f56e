// Scoring, ranking and the budget cut (plan.hpp, docs/office.md).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "khaosat/office/plan.hpp"

namespace khaosat::office {

namespace {

// Amounts compared in thousands of VND (integers), so the cut does not depend on rounding.
std::int64_t units(double million) { return std::llround(million * 1000.0); }

std::int64_t pts(const Rules& r, const char* key) {
  auto it = r.points.find(key);
  return it == r.points.end() ? 0 : it->second;
}

// A criterion's label in both languages (the key where the rules table gives none).
Text label(const Rules& r, const std::string& key) {
  auto vi = r.label_vi.find(key);
  auto en = r.label_en.find(key);
  Text t{vi == r.label_vi.end() || vi->second.empty() ? key : vi->second,
         en == r.label_en.end() || en->second.empty() ? std::string() : en->second};
  if (t.en.empty()) t.en = t.vi;
  return t;
}

std::int64_t counterpart_tenths(const Need& n) {
  std::int64_t c = units(n.counterpart), a = units(n.amount);
  if (c <= 0 || c + a <= 0) return 0;
  return c * 10 / (c + a);  // full 10 % steps, 0..10
}

// Gives a need one criterion's points and why: its label, then the fact in each language
// ("có"/"yes" for a criterion the label says all of); `group` (area or sector) adds them too.
void give(PlannedNeed& p, const Rules& r, const std::string& key, std::int64_t v, const std::string& vi,
          const std::string& en, std::int64_t* group) {
  if (v == 0) return;
  Text l = label(r, key);
  p.explanation.push_back({key, v, {l.vi + ": " + vi, l.en + ": " + en}});
  p.score += v;
  if (group) *group += v;
}

// Area: the first criterion that applies, in TT 46/2012 Art. 2's order.
void score_area(PlannedNeed& p, const Rules& r, const Commune& c) {
  auto add = [&](const std::string& key, std::int64_t v, const std::string& vi, const std::string& en) {
    give(p, r, key, v, vi, en, &p.area);
  };
  // An attribute the commune table marks unknown is not scored, and not taken for "no" either:
  // when it ranks above the criterion that applied, the explanation says so (0 points).
  Text unknown;
  auto note = [&](const char* attribute, const char* vi, const char* en) {
    if (!c.is_unknown(attribute)) return;
    unknown.vi += (unknown.vi.empty() ? "" : ", ") + std::string(vi);
    unknown.en += (unknown.en.empty() ? "" : ", ") + std::string(en);
  };
  const std::string& name = c.label_vi;
  bool applied = false;
  // The first area priority: highland, border or ethnic-minority area; the explanation names
  // each that applies, and the decisions they come from.
  struct First {
    bool on;
    const std::string* source;
    const char *vi, *en, *attribute;
  };
  const First first[] = {{c.highland, &c.highland_source, "vùng cao", "highland", "highland"},
                         {c.border, &c.border_source, "biên giới", "border", "border"},
                         {c.ethnic_minority, &c.ethnic_minority_source, "vùng đồng bào DTTS", "ethnic-minority area",
                          "ethnic_minority"}};
  if (pts(r, "area.highland_border") != 0) {
    std::string vi, en, sources;
    std::vector<const std::string*> seen;  // each decision once
    for (const First& f : first) {
      if (!f.on) continue;
      vi += (vi.empty() ? " " : ", ") + std::string(f.vi);
      en += (en.empty() ? " " : ", ") + std::string(f.en);
      if (std::none_of(seen.begin(), seen.end(), [&](const std::string* x) { return *x == *f.source; })) {
        sources += (sources.empty() ? "" : "; ") + *f.source;
        seen.push_back(f.source);
      }
    }
    if (!vi.empty()) {
      add("area.highland_border", pts(r, "area.highland_border"), name + ":" + vi + " (" + sources + ")",
          name + ":" + en + " (" + sources + ")");
      applied = true;
    } else {
      for (const First& f : first) note(f.attribute, f.vi, f.en);
    }
  }
  // The next area priorities, in order: the first that applies scores; each one above it that
  // is unknown in communes.csv is named as unknown.
  struct Tier {
    const char* criterion;
    bool on;
    const std::string& source;
    const char *vi, *en;                          // after the commune's name, before the source
    const char *attribute, *note_vi, *note_en;    // when unknown
  };
  const Tier tiers[] = {
      {"area.poor_30a", c.poor_30a, c.poor_30a_source, ": huyện nghèo (NQ 30a)", ": poor district (Resolution 30a)",
       "poor_30a", "huyện nghèo (NQ 30a)", "poor district (Resolution 30a)"},
      {"area.ntm", c.ntm, c.ntm_source, ": đạt chuẩn NTM", ": new-rural standard met", "ntm", "NTM", "new-rural"},
      {"area.difficult", c.difficult, c.difficult_source, "", "", "difficult", "đặc biệt khó khăn", "difficult"}};
  for (const Tier& t : tiers) {
    if (applied) break;
    const auto v = pts(r, t.criterion);
    if (v == 0) continue;
    if (t.on) {
      add(t.criterion, v, name + t.vi + " (" + t.source + ")", name + t.en + " (" + t.source + ")");
      applied = true;
    } else {
      note(t.attribute, t.note_vi, t.note_en);
    }
  }
  if (!unknown.empty())
    p.explanation.push_back(
        {kAreaUnknown, 0,
         {name + ": chưa rõ " + unknown.vi +
              " (communes.csv: unknown), chưa tính điểm, ưu tiên địa bàn có thể cao hơn",
          name + ": " + unknown.en +
              " unknown in communes.csv, not scored: the area priority may be higher"}});
}

void score(PlannedNeed& p, const Rules& r, const std::map<std::string, Commune>* communes) {
  const Need& n = p.need;
  auto add = [&](const std::string& key, std::int64_t v, const std::string& vi, const std::string& en,
                 std::int64_t* group) { give(p, r, key, v, vi, en, group); };
  if (communes)
    if (auto it = communes->find(n.commune); it != communes->end()) score_area(p, r, it->second);
  if (n.local_material_pct && *n.local_material_pct > 50) {
    std::string v = format_amount(*n.local_material_pct) + " % > 50 %";
    add("sector.local_materials", pts(r, "sector.local_materials"), v, v, &p.sector);
  }
  if (n.workers && *n.workers >= 50) {
    std::string v = std::to_string(*n.workers) + " >= 50";
    add("sector.workers_50", pts(r, "sector.workers_50"), v + " lao động", v + " workers", &p.sector);
  }
  if (n.export_contract)
    add("sector.export", pts(r, "sector.export"), "có", "yes", &p.sector);
  if (n.ocop_3star) add("sector.ocop_3star", pts(r, "sector.ocop_3star"), "có", "yes", &p.sector);
  if (n.outstanding)
    add("sector.outstanding", pts(r, "sector.outstanding"), "có", "yes", &p.sector);
  if (std::int64_t t = counterpart_tenths(n); t > 0) {
    std::string v = format_amount(n.counterpart) + " / (" + format_amount(n.counterpart) + " + " +
                    format_amount(n.amount) + ") = " + std::to_string(t * 10) + "+ % × " +
                    std::to_string(pts(r, "counterpart.per_10pct"));
    add("counterpart.per_10pct", pts(r, "counterpart.per_10pct") * t, v, v, nullptr);
  }
  if (n.own_rank >= 1) {
    std::int64_t v = std::max<std::int64_t>(0, pts(r, "own_rank.first") - (n.own_rank - 1) * pts(r, "own_rank.step"));
    add("own_rank.first", v, "xếp thứ " + std::to_string(n.own_rank), "ranked " + std::to_string(n.own_rank), nullptr);
  }
  if (n.support_received)
    add("support_received", pts(r, "support_received"), "có", "yes", nullptr);
}

// true when a ranks before b.
bool before(const PlannedNeed& a, const PlannedNeed& b, const Rules& r) {
  if (a.score != b.score) return a.score > b.score;
  for (const std::string& t : r.tiebreaks) {
    if (t == "area_desc" && a.area != b.area) return a.area > b.area;
    if (t == "sector_desc" && a.sector != b.sector) return a.sector > b.sector;
    if (t == "counterpart_desc") {
      // Compare counterpart shares exactly: ca/(ca+aa) vs cb/(cb+ab).
      __int128 ca = units(a.need.counterpart), aa = units(a.need.amount);
      __int128 cb = units(b.need.counterpart), ab = units(b.need.amount);
      __int128 l = ca * (cb + ab), rr = cb * (ca + aa);
      if ((ca + aa) > 0 && (cb + ab) > 0 && l != rr) return l > rr;
    }
    if (t == "own_rank_asc" && a.need.own_rank != b.need.own_rank) {
      if (a.need.own_rank == 0 || b.need.own_rank == 0) return a.need.own_rank != 0;
      return a.need.own_rank < b.need.own_rank;
    }
    if (t == "amount_asc" && units(a.need.amount) != units(b.need.amount)) return units(a.need.amount) < units(b.need.amount);
    if (t == "amount_desc" && units(a.need.amount) != units(b.need.amount)) return units(a.need.amount) > units(b.need.amount);
    if (t == "submission_asc" && a.need.submission != b.need.submission) return a.need.submission < b.need.submission;
  }
  return a.need.id < b.need.id;
}

}  // namespace

std::string Text::joined() const {
  if (en.empty() || en == vi) return vi;
  if (vi.empty()) return en;
  return vi + " / " + en;
}

std::string format_amount(double v) {
  std::int64_t u = std::llround(v * 1000.0);
  bool neg = u < 0;
  if (neg) u = -u;
  std::string s = std::to_string(u / 1000);
  if (std::int64_t f = u % 1000; f != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(f));
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    s += frac;
  }
  return neg ? "-" + s : s;
}

Plan make_plan(int year, const std::vector<Need>& needs, const Rules& rules, const std::map<std::string, double>& budget,
               const std::vector<Override>& overrides, const std::map<std::string, Commune>* communes) {
  Plan plan;
  plan.year = year;
  plan.rules_version = rules.version;
  // The latest override per need wins (they come in the trail's order).
  std::map<std::string, Override> last;
  for (const Override& o : overrides) last[o.need_id] = o;

  std::vector<PlannedNeed> eligible, apart;
  for (const Need& n : needs) {
    PlannedNeed p;
    p.need = n;
    score(p, rules, communes);
    if (communes)
      if (auto c = communes->find(n.commune); c != communes->end() && !c->second.label_vi.empty())
        plan.commune_labels.emplace(n.commune, c->second.label_vi);
    if (auto it = last.find(n.id); it != last.end()) p.override = it->second;
    if (!n.ineligible.empty()) {
      p.decision = {"không đủ điều kiện: " + n.ineligible.vi, "ineligible: " + n.ineligible.en};
      apart.push_back(std::move(p));
    } else {
      eligible.push_back(std::move(p));
    }
  }
  std::sort(eligible.begin(), eligible.end(), [&](const PlannedNeed& a, const PlannedNeed& b) {
    if (a.need.source != b.need.source) {
      auto pos = [](const std::string& s) {
        for (std::size_t i = 0; i < std::size(kSources); ++i)
          if (s == kSources[i]) return i;
        return std::size(kSources);
      };
      if (pos(a.need.source) != pos(b.need.source)) return pos(a.need.source) < pos(b.need.source);
      return a.need.source < b.need.source;
    }
    return before(a, b, rules);
  });
  std::sort(apart.begin(), apart.end(), [](const PlannedNeed& a, const PlannedNeed& b) { return a.need.id < b.need.id; });

  for (const char* s : kSources) {
    auto b = budget.find(s);
    bool has_budget = b != budget.end();
    SourcePlan sp;
    sp.source = s;
    sp.budget = has_budget ? b->second : 0;
    std::int64_t left = units(sp.budget), funded = 0, rank = 0;
    std::vector<PlannedNeed*> mine;
    for (PlannedNeed& p : eligible)
      if (p.need.source == s) mine.push_back(&p);
    for (PlannedNeed* p : mine) p->rank = ++rank;
    // Pinned needs first (in rank order), then the rest in rank order; excluded never.
    auto fund = [&](PlannedNeed& p, const Text& why) {
      std::int64_t a = units(p.need.amount);
      if (!has_budget) {
        p.decision = {"không có ngân sách cho nguồn này", "no budget given for this source"};
      } else if (a <= left) {
        p.funded = true;
        left -= a;
        funded += a;
        p.decision = why;
      } else {
        std::string left_text = " (" + format_amount(left / 1000.0) + ")";
        p.decision = {"vượt phần ngân sách còn lại" + left_text, "does not fit the remaining budget" + left_text};
        if (sp.cut_rank == 0) sp.cut_rank = p.rank;
      }
    };
    for (PlannedNeed* p : mine)
      if (p->override && p->override->action == "pin") fund(*p, {"ưu tiên theo quyết định của văn phòng", "pinned by the office"});
    for (PlannedNeed* p : mine) {
      if (p->override && p->override->action == "pin") continue;
      if (p->override && p->override->action == "exclude") {
        p->decision = {"loại theo quyết định của văn phòng", "excluded by the office"};
        continue;
      }
      fund(*p, {"trong ngân sách theo thứ tự", "fits the budget in rank order"});
    }
    sp.funded_total = funded / 1000.0;
    if (has_budget) plan.sources.push_back(sp);
  }
  // Needs without a known source (form data outside the code list) stay unfunded.
  for (PlannedNeed& p : eligible)
    if (!is_source(p.need.source)) p.decision = {"không rõ nguồn kinh phí", "no funding source"};
  plan.needs = std::move(eligible);
  for (PlannedNeed& p : apart) plan.needs.push_back(std::move(p));
  return plan;
}

namespace {

// The plan's JSON is written by hand, in the layout of nlohmann's dump(1) (one space per level):
// 10,000 needs build no DOM and no per-key allocation (scripts/bench office).
class JsonOut {
 public:
  std::string s;

  void str(std::string_view v) {
    s += '"';
    std::size_t i = 0;
    while (i < v.size()) {
      unsigned char c = static_cast<unsigned char>(v[i]);
      if (c == '"' || c == '\\') {
        s += '\\';
        s += static_cast<char>(c);
        ++i;
      } else if (c < 0x20) {
        static const char* hex = "0123456789abcdef";
        s += "\\u00";
        s += hex[c >> 4];
        s += hex[c & 15];
        ++i;
      } else if (c < 0x80) {
        s += static_cast<char>(c);
        ++i;
      } else {
        std::size_t n = utf8_length(v, i);
        if (n == 0) {
          s += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
          ++i;
        } else {
          s.append(v.substr(i, n));
          i += n;
        }
      }
    }
    s += '"';
  }
  void indent(int level) {
    s += '\n';
    s.append(static_cast<std::size_t>(level), ' ');
  }
  // "key": (after the indent)
  void key(int level, bool first, const char* k) {
    if (!first) s += ',';
    indent(level);
    s += '"';
    s += k;
    s += "\": ";
  }

 private:
  // The length of the valid UTF-8 sequence at v[i], or 0.
  static std::size_t utf8_length(std::string_view v, std::size_t i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (n == 0 || i + n > v.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(v[i + k]) & 0xC0) != 0x80) return 0;
    unsigned char d = static_cast<unsigned char>(v[i + 1]);
    if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) || (c == 0xF4 && d > 0x8F))
      return 0;
    return n;
  }
};

}  // namespace

std::string plan_json(const Plan& plan) {
  JsonOut o;
  o.s.reserve(1024 + plan.needs.size() * 1600);
  o.s += '{';
  o.key(1, true, "year");
  o.s += std::to_string(plan.year);
  o.key(1, false, "rules_version");
  o.str(plan.rules_version);
  o.key(1, false, "unit");
  o.str("million VND");
  o.key(1, false, "sources");
  o.s += '[';
  bool first = true;
  for (const SourcePlan& x : plan.sources) {
    if (!first) o.s += ',';
    first = false;
    o.indent(2);
    o.s += '{';
    o.key(3, true, "source");
    o.str(x.source);
    o.key(3, false, "budget");
    o.s += format_amount(x.budget);
    o.key(3, false, "funded_total");
    o.s += format_amount(x.funded_total);
    o.key(3, false, "cut_rank");
    o.s += std::to_string(x.cut_rank);
    o.indent(2);
    o.s += '}';
  }
  if (!plan.sources.empty()) o.indent(1);
  o.s += ']';
  o.key(1, false, "needs");
  o.s += '[';
  first = true;
  for (const PlannedNeed& p : plan.needs) {
    const Need& n = p.need;
    if (!first) o.s += ',';
    first = false;
    o.indent(2);
    o.s += '{';
    o.key(3, true, "id");
    o.str(n.id);
    o.key(3, false, "submission");
    o.str(n.submission);
    o.key(3, false, "form");
    o.str(n.form);
    o.key(3, false, "applicant");
    o.str(n.applicant);
    o.key(3, false, "commune");
    o.str(n.commune);
    o.key(3, false, "activity");
    o.str(n.activity);
    auto activity = plan.activity_labels.find(n.activity);
    bool labelled = activity != plan.activity_labels.end();
    o.key(3, false, "activity_vi");
    o.str(labelled && !activity->second.vi.empty() ? activity->second.vi : n.activity);
    o.key(3, false, "activity_en");
    o.str(labelled && !activity->second.en.empty() ? activity->second.en : n.activity);
    o.key(3, false, "source");
    o.str(n.source);
    o.key(3, false, "amount");
    o.s += format_amount(n.amount);
    o.key(3, false, "counterpart");
    o.s += format_amount(n.counterpart);
    o.key(3, false, "own_rank");
    o.s += std::to_string(n.own_rank);
    o.key(3, false, "score");
    o.s += std::to_string(p.score);
    o.key(3, false, "rank");
    o.s += std::to_string(p.rank);
    o.key(3, false, "eligible");
    o.s += n.ineligible.empty() ? "true" : "false";
    o.key(3, false, "duplicate_funded");
    o.s += n.duplicate_funded ? "true" : "false";
    o.key(3, false, "funded");
    o.s += p.funded ? "true" : "false";
    o.key(3, false, "decision");
    o.str(p.decision.joined());
    o.key(3, false, "decision_vi");
    o.str(p.decision.vi);
    o.key(3, false, "decision_en");
    o.str(p.decision.en);
    o.key(3, false, "explanation");
    o.s += '[';
    bool ex_first = true;
    for (const Points& x : p.explanation) {
      if (!ex_first) o.s += ',';
      ex_first = false;
      o.indent(4);
      o.s += '{';
      o.key(5, true, "criterion");
      o.str(x.criterion);
      o.key(5, false, "points");
      o.s += std::to_string(x.points);
      o.key(5, false, "why");
      o.str(x.why.joined());
      o.key(5, false, "why_vi");
      o.str(x.why.vi);
      o.key(5, false, "why_en");
      o.str(x.why.en);
      o.indent(4);
      o.s += '}';
    }
    if (!p.explanation.empty()) o.indent(3);
    o.s += ']';
    if (p.override) {
      o.key(3, false, "override");
      o.s += '{';
      o.key(4, true, "action");
      o.str(p.override->action);
      o.key(4, false, "reason");
      o.str(p.override->reason);
      o.key(4, false, "by");
      o.str(p.override->by);
      o.key(4, false, "at");
      o.s += std::to_string(p.override->at);
      o.indent(3);
      o.s += '}';
    }
    o.indent(2);
    o.s += '}';
  }
  if (!plan.needs.empty()) o.indent(1);
  o.s += ']';
  o.indent(0);
  o.s += "}\n";
  return std::move(o.s);
}

}  // namespace khaosat::office

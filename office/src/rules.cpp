// The office's tables: the plan rules (forms/plan_rules.csv) and the commune attributes
// (forms/communes.csv), and the --budget argument (plan.hpp).
#include <algorithm>
#include <cmath>

#include "csv.hpp"
#include "khaosat/core/parse_number.hpp"
#include "khaosat/office/plan.hpp"

namespace khaosat::office {

using core::Error;
using core::ErrorCode;

bool is_source(std::string_view s) {
  return std::find(std::begin(kSources), std::end(kSources), s) != std::end(kSources);
}

std::string source_label_vi(std::string_view source) {
  if (source == "national") return "Khuyến công quốc gia";
  if (source == "provincial") return "Khuyến công địa phương";
  if (source == "other") return "Nguồn khác";
  return std::string(source);
}

const std::vector<std::string>& criterion_keys() {
  static const std::vector<std::string> keys = {
      "area.highland_border", "area.poor_30a", "area.ntm", "area.difficult",
      "sector.local_materials", "sector.workers_50", "sector.export", "sector.ocop_3star", "sector.outstanding",
      "counterpart.per_10pct", "own_rank.first", "own_rank.step", "support_received"};
  return keys;
}

namespace {

const std::vector<std::string>& tiebreak_keys() {
  static const std::vector<std::string> keys = {"area_desc", "sector_desc", "counterpart_desc", "own_rank_asc",
                                                "amount_asc", "amount_desc", "submission_asc"};
  return keys;
}

Error bad(const std::string& name, std::size_t line, const std::string& what) {
  return Error::make(ErrorCode::plan_input, name + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Result<Rules> parse_rules(std::string_view text, const std::string& name) {
  auto rows = csv::parse(text);
  if (!rows) return Error::make(ErrorCode::plan_input, name + ": " + rows.error());
  if (rows->empty() || rows->front().empty() || rows->front()[0] != "key" || rows->front().size() < 2 ||
      (*rows)[0][1] != "value")
    return bad(name, 1, "the header must start with key,value (then label_vi,label_en,source)");
  Rules r;
  const auto& keys = criterion_keys();
  for (std::size_t i = 1; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    std::size_t line = i + 1;
    auto col = [&](std::size_t c) { return c < row.size() ? row[c] : std::string(); };
    std::string key = col(0), value = col(1);
    if (key.empty() && value.empty()) continue;
    if (key == "version") {
      if (value.empty()) return bad(name, line, "the version needs a value");
      r.version = value;
    } else if (key == "tiebreak") {
      if (std::find(tiebreak_keys().begin(), tiebreak_keys().end(), value) == tiebreak_keys().end())
        return bad(name, line, "unknown tie-break '" + value + "' (known: area_desc, sector_desc, counterpart_desc, "
                                   "own_rank_asc, amount_asc, amount_desc, submission_asc)");
      r.tiebreaks.push_back(value);
    } else if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      auto n = core::parse_int64(value);
      if (!n || *n < -1000000 || *n > 1000000)
        return bad(name, line, "the points of '" + key + "' must be a whole number (-1000000..1000000), not '" + value + "'");
      if (r.points.count(key)) return bad(name, line, "'" + key + "' is given twice");
      r.points[key] = *n;
      r.label_vi[key] = col(2);
      r.label_en[key] = col(3);
      r.source[key] = col(4);
    } else {
      return bad(name, line, "unknown key '" + key + "' (a criterion of docs/office.md, version or tiebreak)");
    }
  }
  if (r.version.empty()) return Error::make(ErrorCode::plan_input, name + ": no version row (key 'version')");
  return r;
}

std::vector<std::string> order_warnings(const Rules& r) {
  auto pts = [&](const std::string& k) {
    auto it = r.points.find(k);
    return it == r.points.end() ? std::int64_t{0} : it->second;
  };
  std::vector<std::string> out;
  auto tell = [&](const std::string& key, const std::string& what) {
    out.push_back("'" + key + "' (" + std::to_string(pts(key)) + ") " + what);
  };
  // A priority criterion below 0 turns its priority around: needs that meet it rank lower
  // (support_received is the one meant to lower a need, so its sign is free).
  for (const char* k : {"area.highland_border", "area.poor_30a", "area.ntm", "area.difficult", "sector.local_materials",
                        "sector.workers_50", "sector.export", "sector.ocop_3star", "sector.outstanding",
                        "counterpart.per_10pct", "own_rank.first", "own_rank.step"})
    if (pts(k) < 0)
      tell(k, "is below 0: needs that meet it rank lower than those that do not, against TT 46/2012 Art. 2 "
              "(0 switches a criterion off)");
  // The most each lower tier can add (counterpart: 9 full 10 % steps, since a need asks for more
  // than 0), and what a step of each tier adds at least. A criterion at 0 is switched off.
  const std::int64_t support = std::abs(pts("support_received"));
  const std::int64_t own = std::max<std::int64_t>(0, pts("own_rank.first"));
  const std::int64_t per10 = std::max<std::int64_t>(0, pts("counterpart.per_10pct"));
  const std::int64_t below_sector = per10 * 9 + own + support;
  if (pts("own_rank.step") > 0 && pts("own_rank.step") <= support)
    tell("own_rank.step", "does not outweigh support_received (" + std::to_string(support) + ")");
  if (per10 > 0 && per10 <= own + support)
    tell("counterpart.per_10pct", "does not outweigh own rank and support received together (up to " +
                                      std::to_string(own + support) + ")");
  std::int64_t sector = 0;
  for (const char* k : {"sector.local_materials", "sector.workers_50", "sector.export", "sector.ocop_3star",
                        "sector.outstanding"}) {
    if (pts(k) <= 0) continue;
    sector += pts(k);
    if (pts(k) <= below_sector)
      tell(k, "does not outweigh counterpart, own rank and support received together (up to " +
                  std::to_string(below_sector) + ")");
  }
  const std::int64_t below_area = sector + below_sector;
  const char* areas[] = {"area.highland_border", "area.poor_30a", "area.ntm", "area.difficult"};
  for (std::size_t i = 0; i < std::size(areas); ++i) {
    if (pts(areas[i]) <= 0) continue;
    std::int64_t next = 0;  // the next area criterion that is on
    std::string next_key;
    for (std::size_t j = i + 1; j < std::size(areas) && next_key.empty(); ++j)
      if (pts(areas[j]) > 0) next = pts(areas[j]), next_key = areas[j];
    if (pts(areas[i]) - next <= below_area)
      tell(areas[i], "does not outweigh " + (next_key.empty() ? std::string() : "'" + next_key + "' plus ") +
                         "every sector and lower criterion together (up to " + std::to_string(next + below_area) + ")");
  }
  return out;
}

Result<std::map<std::string, Commune>> parse_communes(std::string_view text, const std::string& name) {
  auto rows = csv::parse(text);
  if (!rows) return Error::make(ErrorCode::plan_input, name + ": " + rows.error());
  if (rows->empty()) return Error::make(ErrorCode::plan_input, name + ": empty");
  const auto& head = rows->front();
  auto at = [&](const char* col) -> std::optional<std::size_t> {
    auto it = std::find(head.begin(), head.end(), col);
    if (it == head.end()) return std::nullopt;
    return static_cast<std::size_t>(it - head.begin());
  };
  auto c_name = at("name"), c_label = at("label_vi");
  if (!c_name) return Error::make(ErrorCode::plan_input, name + ": no 'name' column");
  std::map<std::string, Commune> out;
  for (std::size_t i = 1; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    auto get = [&](const char* col) {
      auto c = at(col);
      return c && *c < row.size() ? row[*c] : std::string();
    };
    Commune c;
    c.name = get("name");
    if (c.name.empty()) continue;
    c.label_vi = c_label ? get("label_vi") : c.name;
    // yes / no / unknown; blank (or no such column) is unknown, never "no".
    const std::pair<bool*, std::string*> fields[] = {
        {&c.highland, &c.highland_source}, {&c.border, &c.border_source}, {&c.ethnic_minority, &c.ethnic_minority_source},
        {&c.poor_30a, &c.poor_30a_source}, {&c.ntm, &c.ntm_source},       {&c.difficult, &c.difficult_source}};
    static_assert(std::size(fields) == std::size(kCommuneAttributes));
    for (std::size_t k = 0; k < std::size(fields); ++k) {
      const std::string col = kCommuneAttributes[k];
      std::string v = get(col.c_str());
      if (v == "yes") *fields[k].first = true;
      else if (v == "unknown" || v.empty()) c.unknown.push_back(col);
      else if (v != "no")
        return bad(name, i + 1, "column '" + col + "' takes yes, no or unknown, not '" + v + "'");
      *fields[k].second = get((col + "_source").c_str());
    }
    out[c.name] = c;
  }
  return out;
}

bool Commune::is_unknown(std::string_view attribute) const {
  return std::find(unknown.begin(), unknown.end(), attribute) != unknown.end();
}

Status add_budget(std::map<std::string, double>& budget, std::string_view arg) {
  auto eq = arg.find('=');
  std::string source(arg.substr(0, eq == std::string_view::npos ? arg.size() : eq));
  if (eq == std::string_view::npos)
    return Error::make(ErrorCode::plan_input, "--budget takes SOURCE=AMOUNT (million VND), not '" + std::string(arg) + "'");
  if (!is_source(source))
    return Error::make(ErrorCode::plan_input, "--budget: unknown funding source '" + source +
                                                  "' (national, provincial or other)");
  if (budget.count(source)) return Error::make(ErrorCode::plan_input, "--budget: '" + source + "' is given twice");
  std::string amount(arg.substr(eq + 1));
  auto v = csv::parse_decimal(amount);
  const std::string what = "--budget " + source + ": ";
  if (!v || !std::isfinite(*v))
    return Error::make(ErrorCode::plan_input, what + "the amount must be a number of million VND, not '" + amount + "'");
  if (*v < 0) return Error::make(ErrorCode::plan_input, what + "the amount cannot be negative ('" + amount + "')");
  if (*v > 1e12)
    return Error::make(ErrorCode::plan_input, what + "'" + amount +
                                                  "' million VND is too large (at most 1000000000000, a million billion VND)");
  // Amounts are million VND; the forms record them to 1,000 VND (three decimals). A finer budget is a typo.
  if (auto dot = amount.find('.'); dot != std::string::npos) {
    std::size_t end = amount.find_first_not_of("0123456789", dot + 1);
    std::size_t decimals = (end == std::string::npos ? amount.size() : end) - dot - 1;
    if (decimals > 3)
      return Error::make(ErrorCode::plan_input, what + "'" + amount +
                                                    "' has more than three decimals (amounts are million VND, to 1,000 VND)");
  }
  budget[source] = *v;
  return core::ok_status();
}

}  // namespace khaosat::office

// Reading the support needs out of a submission of form A, B or C (plan.hpp, docs/office.md):
// the forms share one need model (docs/forms.md "One data model"), named a little differently.
#include <pugixml.hpp>

#include "csv.hpp"
#include "khaosat/core/parse_number.hpp"
#include "khaosat/office/plan.hpp"

namespace khaosat::office {

namespace {

// The text of the first descendant element named `name` outside any `needs` repeat.
std::string field(const pugi::xml_node& root, const char* name) {
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    if (std::string_view(n.name()) == name) return n.child_value();
    if (std::string_view(n.name()) == "needs") continue;
    std::string v = field(n, name);
    if (!v.empty()) return v;
  }
  return {};
}

void collect(const pugi::xml_node& root, const char* name, std::vector<pugi::xml_node>& out) {
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    if (std::string_view(n.name()) == name) out.push_back(n);
    else collect(n, name, out);
  }
}

double decimal(const std::string& s) {
  auto v = csv::parse_decimal(s);
  return v ? *v : 0;
}

}  // namespace

Result<SubmissionNeeds> read_needs(const std::string& form_id, const std::string& instance_id, const std::string& xml) {
  SubmissionNeeds out;
  std::string form = form_id == "lc_establishment" ? "A" : form_id == "lc_craft_village" ? "B"
                     : form_id == "lc_coop_needs"  ? "C" : "";
  if (form.empty()) return out;
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8))
    return core::Error::make(core::ErrorCode::plan_input, instance_id + ": the submission's XML does not parse");
  pugi::xml_node root = doc.document_element();
  std::string date = field(root, form == "C" ? "reg_date" : "survey_date");
  if (date.size() >= 4)
    if (auto y = core::parse_int(date.substr(0, 4), 1900, 2999)) out.year = *y;

  Need base;
  base.submission = instance_id;
  base.form = form;
  base.commune = field(root, "commune");
  if (form == "A") base.applicant = field(root, "est_name");
  else if (form == "B") base.applicant = field(root, "craft_name") + " – " + field(root, "village");
  else base.applicant = field(root, "coop_name");
  if (std::string w = field(root, "workers_total"); !w.empty()) base.workers = core::parse_int64(w);
  if (std::string l = field(root, "local_material_pct"); !l.empty()) base.local_material_pct = csv::parse_decimal(l);
  base.export_contract = field(root, "export_contract") == "yes";
  base.support_received = field(root, "support_received") == "yes";
  std::vector<pugi::xml_node> ocop;
  collect(root, "ocop_stars", ocop);
  // A title counts when it was still valid on the submission's date (when both dates are
  // known): an OCOP certificate 36 months from its decision date (QĐ 148/QĐ-TTg), an
  // outstanding-product title until 31 December of the third year counting the year of
  // recognition as the first (TT 26/2014/TT-BCT; docs/forms.md).
  const bool dated = date.size() >= 10 && core::parse_int(date.substr(0, 4), 1900, 2999).has_value();
  for (const auto& o : ocop) {
    std::string s = o.child_value();
    if (s != "3" && s != "4" && s != "5") continue;
    std::string decided = o.parent().child("ocop_cert_date").child_value();
    auto y = decided.size() >= 10 ? core::parse_int(decided.substr(0, 4), 1900, 2999) : std::nullopt;
    if (dated && y && date.substr(0, 10) >= std::to_string(*y + 3) + decided.substr(4, 6)) continue;  // expired
    base.ocop_3star = true;
  }
  std::string outstanding = field(root, "outstanding_level");
  base.outstanding = !outstanding.empty() && outstanding != "none";
  if (auto titled = core::parse_int(field(root, "outstanding_year"), 1900, 2999); base.outstanding && titled && out.year)
    base.outstanding = out.year <= *titled + 2;

  std::vector<pugi::xml_node> rows;
  collect(root, "needs", rows);
  int n = 0;
  for (const auto& row : rows) {
    ++n;
    Need need = base;
    need.id = instance_id + "#" + std::to_string(n);
    auto get = [&](const char* name) { return std::string(row.child(name).child_value()); };
    bool c = form == "C";
    need.activity = get(c ? "support_type" : "need_type");
    need.source = get("funding_source");
    need.amount = decimal(get("amount_requested"));
    need.counterpart = decimal(get(c ? "counterpart" : "need_counterpart"));
    if (auto r = core::parse_int64(get(c ? "rank" : "need_rank")); r && *r >= 1) need.own_rank = *r;
    std::string other = get(c ? "other_state_funding" : "need_other_state");
    if (other == "yes" || get("need_status") == "ineligible") {
      need.duplicate_funded = true;
      need.ineligible = {"hạng mục đã có ngân sách nhà nước khác hỗ trợ (TT 28/2018/TT-BTC)", "other state funding for the same item (TT 28/2018/TT-BTC)"};
    } else if (!is_source(need.source)) {
      need.ineligible = {"không rõ nguồn kinh phí đề nghị", "no funding source asked for"};
    } else if (need.amount <= 0) {
      need.ineligible = {"không có kinh phí đề nghị", "no amount requested"};
    } else if ((need.source == "national" || need.source == "provincial") &&
               (need.activity == "other" || need.activity == "infrastructure")) {
      need.ineligible = {"nội dung ngoài Điều 4 NĐ 45/2012", "not an activity of Decree 45/2012 Art. 4"};
    }
    out.needs.push_back(std::move(need));
  }
  return out;
}

}  // namespace khaosat::office

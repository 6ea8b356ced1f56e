// demo-data's registries and the office's queue (server_cli.hpp, demo_data.cpp): establishments
// and cooperatives pushed by the demo devices as the app would, among them a few possible
// duplicates (the same name in one commune, a shared phone, a shared tax code), two registry
// conflicts (two devices editing one property without seeing each other) and one submission
// conflict (an instance pushed again with other content), so `queue` has something to show.
#include <cstdio>
#include <map>
#include <random>

#include "khaosat/core/store_ids.hpp"
#include "khaosat/sync/server.hpp"
#include "server_cli.hpp"

namespace khaosat::server_cli {

namespace {

class Pusher {
 public:
  Pusher(sync::ServerStorage& s, std::map<std::string, std::int64_t> last, std::int64_t now)
      : s_(s), last_(std::move(last)), now_(now) {}

  core::Status push(const std::string& device, sync::PushRecord rec) {
    rec.seq = ++last_[device];
    sync::PushBatch b{device, rec.seq, rec.seq, {std::move(rec)}};
    std::vector<sync::CheckedRecord> checked{{&b.records[0], sync::sha256_hex(b.records[0].xml), ""}};
    auto a = s_.push(device, b, checked, now_);
    if (!a) return a.error();
    if (a->results.size() == 1 && a->results[0].status == sync::RecordStatus::Rejected)
      return core::Error::make(core::ErrorCode::sync_request, "demo record refused: " + a->results[0].reason);
    return core::ok_status();
  }
  // A registry edit made at `ms` after now on `device`, replacing the versions in `base`.
  core::Status edit(const std::string& device, const char* registry, const std::string& id, int ms,
                    std::vector<std::pair<std::string, std::string>> set, std::map<std::string, std::string> base = {}) {
    sync::PushRecord r;
    r.kind = "registry";
    r.registry = registry;
    r.id = id;
    r.create = base.empty();
    for (auto& [k, v] : set) r.set.emplace_back(k, core::RegistryProperty{v, hlc(device, ms)});
    r.base = std::move(base);
    return push(device, std::move(r));
  }
  std::string hlc(const std::string& device, int ms) const { return core::Hlc{now_ + ms, 0, device}.to_string(); }

 private:
  sync::ServerStorage& s_;
  std::map<std::string, std::int64_t> last_;
  std::int64_t now_;
};

}  // namespace

core::Status demo_queue(sync::ServerStorage& storage, const std::vector<std::string>& devices,
                        const std::vector<std::string>& communes, std::uint64_t seed, std::int64_t now,
                        const sync::StoredSubmission& resent) {
  std::map<std::string, std::int64_t> last;
  for (const auto& d : devices) last[d] = 0;
  auto listed = storage.list_devices();
  if (!listed) return listed.error();
  for (const auto& d : *listed) last[d.device_id] = d.last_seq;
  Pusher p(storage, last, now);
  std::mt19937_64 g(seed ^ 0x51554555ULL);
  auto id = [&] {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(g()), static_cast<unsigned long long>(g()));
    return std::string(buf);
  };
  auto commune = [&](std::size_t i) { return communes[i % communes.size()]; };
  const char* names[] = {"Cơ sở chè Tân Uyên", "Cơ sở miến dong Bình Lư", "Cơ sở dệt thổ cẩm Bản Lướt",
                         "Cơ sở mật ong Sìn Hồ", "Cơ sở cơ khí Than Uyên", "Cơ sở rượu Phong Thổ"};
  const char* dev = devices[0].c_str();
  int ms = 0;
  std::vector<std::string> est;
  for (std::size_t i = 0; i < 6; ++i) {
    est.push_back(id());
    const std::string& d = devices[i % devices.size()];
    if (auto st = p.edit(d, "establishment", est.back(), ++ms,
                         {{"name", names[i]}, {"commune", commune(i * 5)}, {"phone", "09" + std::to_string(12000000 + i * 7)}});
        !st)
      return st;
  }
  // Possible duplicates: the same name (other accents and case) in the same commune, from
  // another device; a shared phone; two cooperatives with one tax code.
  if (auto st = p.edit(devices[1], "establishment", id(), ++ms, {{"name", "co so che tan uyen"}, {"commune", commune(0)}}); !st)
    return st;
  if (auto st = p.edit(devices[2], "establishment", id(), ++ms,
                       {{"name", "Hộ rượu ngô Phong Thổ"}, {"commune", commune(3)}, {"phone", "+84 " + std::to_string(912000035)}});
      !st)
    return st;
  for (int i = 0; i < 2; ++i)
    if (auto st = p.edit(devices[static_cast<std::size_t>(3 + i) % devices.size()], "cooperative", id(), ++ms,
                         {{"name", i == 0 ? "HTX Chè Tân Uyên" : "Hợp tác xã chè Tân Uyên"}, {"commune", commune(i * 7)},
                          {"tax_code", i == 0 ? "6200 123 456" : "6200123456"}});
        !st)
      return st;
  // Registry conflicts: a device edits after another, from the version both had seen.
  std::string base_phone = p.hlc(devices[1 % devices.size()], 2), base_name = p.hlc(devices[2 % devices.size()], 3);
  if (auto st = p.edit(devices[3 % devices.size()], "establishment", est[1], ++ms, {{"phone", "0915111222"}}, {{"phone", base_phone}}); !st)
    return st;
  if (auto st = p.edit(devices[4 % devices.size()], "establishment", est[1], ++ms, {{"phone", "0915111333"}}, {{"phone", base_phone}}); !st)
    return st;
  if (auto st = p.edit(dev, "establishment", est[2], ++ms, {{"name", "Cơ sở dệt Bản Lướt"}}, {{"name", base_name}}); !st)
    return st;
  if (auto st = p.edit(devices[1], "establishment", est[2], ++ms, {{"name", "HTX dệt thổ cẩm Bản Lướt"}}, {{"name", base_name}}); !st)
    return st;
  // A submission conflict: another device pushes the same instance with other content.
  sync::PushRecord again;
  again.kind = "submission";
  again.id = resent.instance_id;
  again.form_id = resent.form_id;
  again.form_version = resent.form_version;
  again.xml = resent.xml;
  auto end = again.xml.rfind("</");
  if (end == std::string::npos) return core::Error::make(core::ErrorCode::sync_request, "demo submission without a root end tag");
  again.xml.insert(end, "<note>sửa lại / corrected</note>");
  std::string other = resent.device_id == devices[0] ? devices[1] : devices[0];
  return p.push(other, std::move(again));
}

}  // namespace khaosat::server_cli

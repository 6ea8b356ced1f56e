// Desktop platform services (desktop_services.hpp).
#include "desktop_services.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <ifaddrs.h>
#include <net/if.h>

namespace khaosat::desktop {

std::vector<std::string> FolderPhotos::candidates() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    if (!e.is_regular_file(ec)) continue;
    std::string ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool InterfaceNetwork::online() {
  if (force_offline_) return false;
  long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count();
  if (checked_ms_ >= 0 && now - checked_ms_ < 5000) return last_;
  checked_ms_ = now;
  last_ = false;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return last_;
  for (ifaddrs* a = list; a; a = a->ifa_next)
    if ((a->ifa_flags & IFF_UP) && (a->ifa_flags & IFF_RUNNING) && !(a->ifa_flags & IFF_LOOPBACK)) last_ = true;
  freeifaddrs(list);
  return last_;
}

std::string default_data_dir() {
  std::string base;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) base = x;
  else if (const char* h = std::getenv("HOME"); h && *h) base = std::string(h) + "/.local/share";
  else base = ".";
  return base + "/khaosat";
}

}  // namespace khaosat::desktop

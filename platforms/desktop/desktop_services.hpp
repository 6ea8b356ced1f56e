// The desktop implementations of the app's platform services (ui/services.hpp): a configured
// location fix, photos picked from a folder, network reachability from the interfaces that
// are up, and the storage paths under XDG_DATA_HOME.
#pragma once

#include <optional>
#include <string>

#include "khaosat/ui/services.hpp"

namespace khaosat::desktop {

// A fix given on the command line (--location) or by KHAOSAT_LOCATION, or none.
class ConfiguredLocation : public ui::LocationService {
 public:
  explicit ConfiguredLocation(std::optional<std::string> fix) : fix_(std::move(fix)) {}
  std::optional<std::string> current_fix() override { return fix_; }

 private:
  std::optional<std::string> fix_;
};

// The .jpg/.jpeg/.png files of a folder, sorted by name.
class FolderPhotos : public ui::PhotoService {
 public:
  explicit FolderPhotos(std::string dir) : dir_(std::move(dir)) {}
  std::vector<std::string> candidates() override;

 private:
  std::string dir_;
};

// Online when an interface other than loopback is up and running (checked at most once every
// few seconds); --offline forces offline.
class InterfaceNetwork : public ui::NetworkService {
 public:
  explicit InterfaceNetwork(bool force_offline) : force_offline_(force_offline) {}
  bool online() override;

 private:
  bool force_offline_;
  bool last_ = false;
  long long checked_ms_ = -1;
};

// $XDG_DATA_HOME/khaosat (else ~/.local/share/khaosat), created when missing.
std::string default_data_dir();

}  // namespace khaosat::desktop

// The commands of `khaosat-server` (main.cpp dispatches; server_commands.cpp has all but serve).
// Each takes the parsed options and returns the exit status: 0 ok, 1 failure, 2 usage error.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/parse_number.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::server_cli {

struct Args {
  std::string data, listen, media, forms, role, name, form, registry, format = "json", revoke, out;
  std::vector<std::string> communes, positional;
  bool json = false, help = false;
  std::string error;
};

int init(const Args& a);
int publish(const Args& a);
int enroll(const Args& a);
int devices(const Args& a);
int export_data(const Args& a);
int check(const Args& a);

// Helpers shared by the commands.
int usage(const char* text, int status);
int fail(const std::string& command, const std::string& message, int status = 1);
// The storage of --data (created when missing), or nullopt after printing why.
std::optional<std::unique_ptr<sync::ServerStorage>> open_storage(const Args& a, const std::string& command);

}  // namespace khaosat::server_cli

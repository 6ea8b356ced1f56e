// Command groups of the `khaosat` tool. Each takes the arguments after its group name and
// returns the process exit status (0 ok, 1 failure, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace khaosat::cli {

inline constexpr const char* kVersion = "0.1.0";

int form_command(std::vector<std::string> args);
int data_command(std::vector<std::string> args);  // data_command.cpp: the device database
int sync_command(std::vector<std::string> args);  // sync_command.cpp: enroll and sync

}  // namespace khaosat::cli

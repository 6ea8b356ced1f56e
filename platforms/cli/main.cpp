// khaosat: the command-line tool. Dispatches to the command groups (form ...).
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

void print_usage(std::ostream& out) {
  out << "khaosat: offline field survey system\n\n"
         "usage: khaosat COMMAND [ARGS...]\n\n"
         "commands:\n"
         "  form check FORM   load a form and report a summary or every error found\n"
         "  form fill FORM    fill a form with a script of steps and print snapshots as JSON\n"
         "  form convert FORM.xlsx|.md|.csv [-o FORM.xml]\n"
         "                    compile an XLSForm to ODK XForm XML\n"
         "  data SUBCOMMAND   the device database: list, show, export, check, add\n"
         "  sync              sync the device database with its server (sync enroll: join one)\n\n"
         "Run 'khaosat COMMAND --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // No fastbins in glibc's allocator. Loading a large form makes and frees millions of small
  // blocks between larger ones (a 100,000-row XLSForm: the compiler's rows, the XML, the
  // loader's tables); with fastbins, every large allocation and every free that leaves a free
  // block of 64 KiB or more first consolidates them (malloc_consolidate), about 8 % of a
  // 100,000-row `form check` (docs/limits.md, issue 9). The thread cache still serves the
  // small blocks; the other commands measured the same either way.
  mallopt(M_MXFAST, 0);
#endif
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "khaosat " << khaosat::cli::kVersion << "\n";
    return 0;
  }
  if (args[0] == "form") {
    args.erase(args.begin());
    return khaosat::cli::form_command(args);
  }
  if (args[0] == "data") {
    args.erase(args.begin());
    return khaosat::cli::data_command(args);
  }
  if (args[0] == "sync") {
    args.erase(args.begin());
    return khaosat::cli::sync_command(args);
  }
  std::cerr << "khaosat: unknown command '" << args[0] << "'\n\n";
  print_usage(std::cerr);
  return 2;
}

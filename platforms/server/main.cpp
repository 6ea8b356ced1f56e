// khaosat-server: the central office's server in one binary (docs/sync-protocol.md,
// docs/server-storage.md). Commands: serve, init, publish, enroll, devices, export, check. Every
// command works while `serve` runs on the same data folder (SQLite's locking; WAL) or the same
// PostgreSQL database (--database URL).
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <tuple>
#include <thread>

#include "khaosat/sync/http.hpp"
#include "office_data.hpp"
#include "server_cli.hpp"

#ifndef KHAOSAT_FORMS_DIR
#define KHAOSAT_FORMS_DIR "forms"
#endif

namespace khaosat::server_cli {
namespace {

const char* kUsage =
    "khaosat-server: the central office's sync server\n\n"
    "usage: khaosat-server COMMAND --data DIR [--database URL] [...]\n\n"
    "commands:\n"
    "  serve     serve devices over HTTPS or HTTP (--listen HOST:PORT, default 127.0.0.1:8742)\n"
    "  init      create the data folder and publish the built-in forms\n"
    "  publish   publish a form (XLSForm .xlsx/.md or XForm .xml) with its media\n"
    "  enroll    print a one-time enrollment code for a device\n"
    "  devices   list the enrolled devices, or revoke one\n"
    "  export    submissions of a form, or a registry, as JSON or CSV; forms as XLSX; GeoJSON\n"
    "  check     integrity check of the data folder; exit 0 when whole\n"
    "  review    record the office's review of a submission (approved, rejected, has_issues)\n"
    "  plan      the annual khuyen cong plan: needs ranked and funded within a budget\n"
    "  plan-override  pin or exclude a need in the plan, with a reason\n"
    "  report    the office's reports of a year as one XLSX and one HTML page\n"
    "  queue     the office's queue: possible duplicates, registry and submission conflicts;\n"
    "            queue merge|distinct|resolve decide them\n"
    "  demo-data fill an empty data folder with a generated province to try the office side\n\n"
    "--database URL: PostgreSQL instead of SQLite in DIR (see a command's --help).\n"
    "Run 'khaosat-server COMMAND --help' for a command's options.\n";

const char* kServeHelp =
    "usage: khaosat-server serve --data DIR [--database URL] [--listen HOST:PORT]\n"
    "                            [--tls-cert FILE --tls-key FILE]\n"
    "                            [--rate-burst N] [--rate-per-minute N]\n\n"
    "Serves the sync protocol (docs/sync-protocol.md) on HOST:PORT (default 127.0.0.1:8742;\n"
    "port 0 picks a free one): over HTTPS with --tls-cert (the certificate chain, PEM) and\n"
    "--tls-key (its private key, PEM), else over plain HTTP, which is for this machine or\n"
    "behind a TLS reverse proxy (devices refuse to send their token over plain HTTP to\n"
    "another machine unless told to). Prints the URL once it listens. Stops on SIGINT or\n"
    "SIGTERM. The data folder is created when missing.\n\n"
    "Each device token may send --rate-burst requests at once (default 600) and\n"
    "--rate-per-minute more each minute (default 1200); past that it is answered 429 with\n"
    "Retry-After, which devices obey. --rate-burst 0 turns the limit off. Enrollment attempts\n"
    "share one allowance of 30 at once and 10 a minute.\n";

int serve(const Args& a) {
  if (a.help) return usage(std::string(kServeHelp) + kDatabaseHelp, 0);
  std::string host = "127.0.0.1";
  int port = 8742;
  if (!a.listen.empty()) {
    auto colon = a.listen.rfind(':');
    auto p = colon == std::string::npos ? std::nullopt : core::parse_int64(a.listen.substr(colon + 1));
    if (!p || *p < 0 || *p > 65535)
      return fail("serve", "--listen takes HOST:PORT (e.g. 127.0.0.1:8742), not '" + a.listen + "'", 2);
    host = a.listen.substr(0, colon);
    port = static_cast<int>(*p);
  }
  if (a.tls_cert.empty() != a.tls_key.empty())
    return fail("serve", "--tls-cert FILE and --tls-key FILE go together", 2);
  auto storage = open_storage(a, "serve");
  if (!storage) return 1;
  sync::ServerOptions options;
  // plan_rules.csv and communes.csv, from where `plan` reads them: the office's in DIR, or the shipped.
  auto tables = office_tables_dir(a.data);
  if (!tables) return fail("serve", tables.error().message, 2);
  options.plan_tables_dir = *tables;
  for (auto [text, name, out] : {std::tuple{&a.rate_burst, "--rate-burst", &options.rate_burst},
                                 std::tuple{&a.rate_per_minute, "--rate-per-minute", &options.rate_per_minute}}) {
    if (text->empty()) continue;
    auto n = core::parse_int64(*text);
    if (!n || *n < 0 || *n > 1000000)
      return fail("serve", std::string(name) + " takes a whole number from 0 to 1000000, not '" + *text + "'", 2);
    *out = static_cast<int>(*n);
  }
  sync::SyncServer server(**storage, options);
  std::unique_ptr<sync::HttpServer> served;
  const bool tls = !a.tls_cert.empty();
  if (tls) {
    auto s = sync::HttpServer::open_tls(server, {a.tls_cert, a.tls_key});
    if (!s) return fail("serve", s.error().message, 1);
    served = std::move(s).value();
  } else {
    served = std::make_unique<sync::HttpServer>(server);
    if (host != "127.0.0.1" && host != "::1" && host != "localhost")
      std::cerr << "khaosat-server serve: plain HTTP on " << host << ": devices will not send their token to it "
                << "unless enrolled with --allow-plain-http; use --tls-cert/--tls-key or a TLS reverse proxy\n";
  }
  sync::HttpServer& http = *served;
  auto bound = http.bind(host, port);
  if (!bound) return fail("serve", bound.error().message, 1);
  // Signals are taken by one thread (sigwait), which stops the server: nothing runs in a
  // signal handler.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    http.stop();
  });
  std::cout << "khaosat-server: serving " << a.data << " on " << (tls ? "https://" : "http://") << host << ":" << *bound
            << std::endl;
  http.run();
  // run() returned on its own (not by a signal): wake the waiter.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

int usage(const std::string& text, int status) {
  (status == 0 ? std::cout : std::cerr) << text;
  return status;
}

int fail(const std::string& command, const std::string& message, int status) {
  std::cerr << "khaosat-server " << command << ": " << message << "\n";
  return status;
}

std::optional<std::unique_ptr<sync::ServerStorage>> open_storage(const Args& a, const std::string& command) {
  if (a.data.empty()) {
    fail(command, "--data DIR is required (the server's data folder)", 2);
    return std::nullopt;
  }
  // Only init and demo-data make a data folder: elsewhere a mistyped --data would otherwise leave
  // a new empty server behind and answer from it (an empty plan, an override recorded nowhere).
  // With --database the data is in PostgreSQL and the folder holds only attachment files.
  std::error_code ec;
  if (a.database.empty() && command != "init" && command != "demo-data" && !std::filesystem::is_directory(a.data, ec)) {
    fail(command, "--data " + a.data + ": no such folder (a server's data folder is made by 'khaosat-server init --data " +
                      a.data + "')", 2);
    return std::nullopt;
  }
  auto s = sync::open_server_storage(a.data, a.database);
  if (!s) {
    fail(command, s.error().message + " (" + std::string(s.error().code_name()) + ")", 1);
    return std::nullopt;
  }
  return std::move(s).value();
}

namespace {

// What each command takes besides --data, --database and --help: its options, and how many
// words (INSTANCE_ID, FORM, ...) at most; queue's actions check their own words.
struct Takes {
  std::vector<std::string> options;
  std::size_t words;
  std::vector<std::string> formats = {};  // what --format takes, for a command that has it
};

const std::map<std::string, Takes>& command_options() {
  static const std::map<std::string, Takes> table = {
      {"serve", {{"--listen", "--tls-cert", "--tls-key", "--rate-burst", "--rate-per-minute"}, 0}},
      {"init", {{"--forms"}, 0}},
      {"publish", {{"--media"}, 1}},
      {"enroll", {{"--role", "--commune", "--communes", "--name"}, 0}},
      {"devices", {{"--json", "--revoke"}, 0}},
      {"export", {{"--form", "--registry", "--format", "-o", "--out"}, 0, {"json", "csv", "xlsx", "geojson"}}},
      {"check", {{"--json"}, 0}},
      {"review", {{"--state", "--comment", "--by"}, 1}},
      {"plan", {{"--year", "--budget", "--rules", "--format", "-o", "--out"}, 0, {"xlsx", "json"}}},
      {"plan-override", {{"--pin", "--exclude", "--reason", "--by"}, 1}},
      {"demo-data", {{"--seed", "--year", "--count"}, 0}},
      {"queue", {{"--json", "--all", "--by", "--reason", "--keep", "--value"}, static_cast<std::size_t>(-1)}},
      {"report", {{"--year", "-o", "--out", "--as-of"}, 0}},
  };
  return table;
}

}  // namespace

// Why the parsed options do not fit `command` (an option of another command, a stray word), or "".
std::string misplaced(const std::string& command, const Args& a) {
  auto it = command_options().find(command);
  if (it == command_options().end()) return "";
  const Takes& t = it->second;
  for (const auto& o : a.given) {
    if (o == "--data" || o == "--database" || o == "-h" || o == "--help") continue;
    if (std::find(t.options.begin(), t.options.end(), o) == t.options.end())
      return o + " is not an option of '" + command + "'";
  }
  if (a.format_given && std::find(t.formats.begin(), t.formats.end(), a.format) == t.formats.end()) {
    std::string takes;
    for (std::size_t i = 0; i < t.formats.size(); ++i)
      takes += (i ? (i + 1 == t.formats.size() ? "' or '" : "', '") : "'") + t.formats[i];
    return "--format of '" + command + "' takes " + takes + "', not '" + a.format + "'";
  }
  if (a.help || a.positional.size() <= t.words) return "";
  const std::string& stray = a.positional[t.words];
  return "unexpected '" + stray + "' ('" + command + "' takes " + (t.words ? "one word" : "no word") +
         " besides its options)";
}

Args parse(const std::vector<std::string>& args) {
  Args a;
  for (std::size_t i = 0; i < args.size() && a.error.empty(); ++i) {
    const std::string& s = args[i];
    if (s.size() > 1 && s[0] == '-') a.given.push_back(s);
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) a.error = s + " needs a value";
      else out = args[++i];
    };
    std::string v;
    if (s == "--data") value(a.data);
    else if (s == "--database") value(a.database);
    else if (s == "--listen") value(a.listen);
    else if (s == "--tls-cert") value(a.tls_cert);
    else if (s == "--tls-key") value(a.tls_key);
    else if (s == "--rate-burst") value(a.rate_burst);
    else if (s == "--rate-per-minute") value(a.rate_per_minute);
    else if (s == "--communes") value(a.communes_file);
    else if (s == "--media") value(a.media);
    else if (s == "--forms") value(a.forms);
    else if (s == "--role") value(a.role);
    else if (s == "--name") value(a.name);
    else if (s == "--form") value(a.form);
    else if (s == "--registry") value(a.registry);
    else if (s == "--format") { value(a.format); a.format_given = true; }
    else if (s == "--state") value(a.state);
    else if (s == "--comment") value(a.comment);
    else if (s == "--by") value(a.by);
    else if (s == "--year") value(a.year);
    else if (s == "--rules") value(a.rules);
    else if (s == "--reason") value(a.reason);
    else if (s == "--seed") value(a.seed);
    else if (s == "--count") value(a.count);
    else if (s == "--as-of") value(a.as_of);
    else if (s == "--keep") value(a.keep);
    else if (s == "--value") { value(a.value); a.value_given = true; }
    else if (s == "--all") a.all = true;
    else if (s == "--budget") {
      // --budget SOURCE=AMOUNT... : one or more, as the usage writes it (or the option repeated).
      value(v);
      if (a.error.empty()) a.budget.push_back(v);
      while (a.error.empty() && i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-' &&
             args[i + 1].find('=') != std::string::npos)
        a.budget.push_back(args[++i]);
    } else if (s == "--pin") a.pin = true;
    else if (s == "--exclude") a.exclude = true;
    else if (s == "--revoke") value(a.revoke);
    else if (s == "-o" || s == "--out") value(a.out);
    else if (s == "--commune") {
      value(v);
      if (a.error.empty()) a.communes.push_back(v);
    } else if (s == "--json") a.json = true;
    else if (s == "-h" || s == "--help") a.help = true;
    else if (s.size() > 1 && s[0] == '-') a.error = "unknown option '" + s + "'";
    else a.positional.push_back(s);
  }
  return a;
}

}  // namespace khaosat::server_cli

int main(int argc, char** argv) {
  using namespace khaosat::server_cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help")
    return usage(kUsage, args.empty() ? 2 : 0);
  if (args[0] == "--version") {
    std::cout << "khaosat-server 0.1.0 (sync protocol 1)\n";
    return 0;
  }
  static const std::map<std::string, int (*)(const Args&)> commands = {
      {"serve", serve}, {"init", init}, {"publish", publish}, {"enroll", enroll},
      {"devices", devices}, {"export", export_data}, {"check", check},
      {"review", review}, {"plan", plan}, {"plan-override", plan_override}, {"demo-data", demo_data},
      {"queue", queue}, {"report", report}};
  auto it = commands.find(args[0]);
  if (it == commands.end()) {
    std::cerr << "khaosat-server: unknown command '" << args[0] << "'\n\n";
    return usage(kUsage, 2);
  }
  Args a = parse({args.begin() + 1, args.end()});
  if (!a.error.empty()) return fail(args[0], a.error + " (see 'khaosat-server " + args[0] + " --help')", 2);
  if (std::string why = misplaced(args[0], a); !why.empty())
    return fail(args[0], why + " (see 'khaosat-server " + args[0] + " --help')", 2);
  return it->second(a);
}

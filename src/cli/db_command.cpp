// `skintrack db check [--db FILE] [--json]`: SQLite's integrity and foreign-key checks plus the
// project's own consistency checks on a store file (store/store_check.h). Read-only.
// Exit 0 when no check found an error (warnings are printed), 4 when one did, or when the file
// is missing or not a database.
#include <iostream>
#include <memory>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"
#include "store/store_check.h"

namespace skintrack::cli {
namespace {

struct DbCheckOptions {
  std::string db;
  bool json = false;
};

int RunDbCheck(const DbCheckOptions& opts) {
  const std::filesystem::path path = ResolveDbPath(opts.db);
  auto report = store::CheckStoreFile(path);
  if (!report.ok()) return ReportError("db check", report.error(), opts.json);
  int errors = 0, warnings = 0;
  nlohmann::json findings = nlohmann::json::array();
  for (const store::StoreFinding& f : report->findings) {
    (f.error ? errors : warnings) += 1;
    findings.push_back({{"check", f.check},
                        {"severity", f.error ? "error" : "warning"},
                        {"message", f.message}});
  }
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.db-check/1");
    doc["db"] = path.string();
    doc["ok"] = report->ok();
    doc["schema_version"] = report->schema_version;
    doc["counts"] = {{"subjects", report->subjects},
                     {"sessions", report->sessions},
                     {"captures", report->captures},
                     {"scores", report->scores}};
    doc["findings"] = findings;
    PrintJson(doc);
  } else {
    for (const store::StoreFinding& f : report->findings) {
      std::cerr << "skintrack db check: " << (f.error ? "error" : "warning") << " [" << f.check
                << "] " << f.message << "\n";
    }
    std::cout << path.string() << ": " << (report->ok() ? "ok" : "FAILED") << " (schema version "
              << report->schema_version << "; " << report->subjects << " subjects, "
              << report->sessions << " sessions, " << report->captures << " captures, "
              << report->scores << " scores; " << errors << " errors, " << warnings
              << " warnings)\n";
  }
  return report->ok() ? 0 : ExitCodeFor(ErrorCode::kStorage);
}

}  // namespace

CommandRun SetupDbCommand(CLI::App& root) {
  CLI::App* db = root.add_subcommand("db", "Maintenance of the study database");
  db->require_subcommand(1);
  auto check_opts = std::make_shared<DbCheckOptions>();
  CLI::App* check = db->add_subcommand(
      "check",
      "Check a store file: SQLite integrity and foreign keys, schema version, and skintrack's "
      "own consistency rules (exit 0 ok, 4 problems found)");
  AddDbOption(check, &check_opts->db);
  check->add_flag("--json", check_opts->json,
                  "Print the skintrack.db-check/1 JSON document on stdout");
  return [check, check_opts]() -> int {
    if (check->parsed()) return RunDbCheck(*check_opts);
    return 1;
  };
}

}  // namespace skintrack::cli

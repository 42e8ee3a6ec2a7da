// `skintrack`: the command-line entry point. The table below lists every subcommand; each one lives
// in its own file (<name>_command.cpp) with an options struct, a Setup function and a Run function.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/base/allocator.h"
#include "core/base/version.h"

namespace skintrack::cli {
CommandRun SetupScoreCommand(CLI::App& root);
CommandRun SetupCompareCommand(CLI::App& root);
CommandRun SetupCalibrateCommand(CLI::App& root);
CommandRun SetupBatchCommand(CLI::App& root);
CommandRun SetupBatchMergeCommand(CLI::App& root);
CommandRun SetupImportCommand(CLI::App& root);
CommandRun SetupRescoreCommand(CLI::App& root);
CommandRun SetupSessionsCommand(CLI::App& root);
CommandRun SetupTimelineCommand(CLI::App& root);
CommandRun SetupClaimsCommand(CLI::App& root);
CommandRun SetupStudyCommand(CLI::App& root);
CommandRun SetupPhantomCommand(CLI::App& root);
CommandRun SetupSurfaceCommand(CLI::App& root);
CommandRun SetupAlignCommand(CLI::App& root);
CommandRun SetupReportCommand(CLI::App& root);
CommandRun SetupDbCommand(CLI::App& root);
}  // namespace skintrack::cli

namespace {

using skintrack::cli::CommandEntry;

const std::vector<CommandEntry>& Commands() {
  static const std::vector<CommandEntry> commands = {
      {"score", &skintrack::cli::SetupScoreCommand},
      {"compare", &skintrack::cli::SetupCompareCommand},
      {"calibrate", &skintrack::cli::SetupCalibrateCommand},
      {"batch", &skintrack::cli::SetupBatchCommand},
      {"batch-merge", &skintrack::cli::SetupBatchMergeCommand},
      {"import", &skintrack::cli::SetupImportCommand},
      {"rescore", &skintrack::cli::SetupRescoreCommand},
      {"sessions", &skintrack::cli::SetupSessionsCommand},
      {"timeline", &skintrack::cli::SetupTimelineCommand},
      {"claims", &skintrack::cli::SetupClaimsCommand},
      {"study", &skintrack::cli::SetupStudyCommand},
      {"phantom", &skintrack::cli::SetupPhantomCommand},
      {"surface", &skintrack::cli::SetupSurfaceCommand},
      {"align", &skintrack::cli::SetupAlignCommand},
      {"report", &skintrack::cli::SetupReportCommand},
      {"db", &skintrack::cli::SetupDbCommand},
  };
  return commands;
}

}  // namespace

int main(int argc, char** argv) {
  skintrack::TuneAllocatorForImages();
  CLI::App app{"skintrack: measure skin change across treatment sessions from standardized photos"};
  app.set_version_flag("--version", std::string(skintrack::kToolName) + " " +
                                        skintrack::kToolVersion + " (" + skintrack::kGitCommit +
                                        ")");
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, skintrack::cli::CommandRun>> runs;
  for (const CommandEntry& entry : Commands()) {
    auto run = entry.setup(app);
    runs.emplace_back(app.get_subcommand(entry.name), std::move(run));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 1;  // usage errors are exit 1 (DESIGN.md)
  }
  // A script that asked for --json parses stdout even when a command fails.
  const bool json = std::any_of(argv + 1, argv + argc,
                                [](const char* arg) { return std::string_view(arg) == "--json"; });
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) return skintrack::cli::RunReportingInternalErrors(run, json);
  }
  return 1;
}

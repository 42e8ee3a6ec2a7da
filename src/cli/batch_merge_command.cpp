// `skintrack batch-merge OUT1 OUT2 ... -o OUT`: join the outputs of `batch --shard I/N` runs.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "core/pipeline/batch_tables.h"

namespace skintrack::cli {
namespace {

struct BatchMergeCommandOptions {
  std::vector<std::string> shard_dirs;
  std::string out_dir;
  bool json = false;
};

int RunBatchMerge(const BatchMergeCommandOptions& opts) {
  std::vector<std::filesystem::path> dirs(opts.shard_dirs.begin(), opts.shard_dirs.end());
  auto summary = core::MergeBatchOutputs(dirs, opts.out_dir);
  if (!summary.ok()) return ReportError("batch-merge", summary.error(), opts.json);
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.batch-merge/1");
    doc["out_dir"] = opts.out_dir;
    doc["shards"] = summary->shards;
    doc["rows"] = summary->rows;
    doc["ok"] = summary->ok;
    doc["failed"] = summary->failed;
    doc["exit_code"] = summary->exit_code;
    PrintJson(doc);
  } else {
    std::cout << "batch-merge: " << summary->shards << " shards, " << summary->rows << " rows ("
              << summary->ok << " ok, " << summary->failed << " failed) -> " << opts.out_dir
              << "\n";
  }
  return summary->exit_code;
}

}  // namespace

CommandRun SetupBatchMergeCommand(CLI::App& root) {
  auto opts = std::make_shared<BatchMergeCommandOptions>();
  CLI::App* sub = root.add_subcommand(
      "batch-merge", "Join the output folders of `batch --shard I/N` runs into one");
  sub->add_option("shards", opts->shard_dirs, "Shard output folders (every shard of the run)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("-o,--out", opts->out_dir, "Merged output folder")->required();
  sub->add_flag("--json", opts->json, "Print a skintrack.batch-merge/1 document on stdout");
  return [opts] { return RunBatchMerge(*opts); };
}

}  // namespace skintrack::cli

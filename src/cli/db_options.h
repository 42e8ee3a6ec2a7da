#pragma once
// Helpers shared by the store-backed subcommands (import, rescore, sessions, timeline, claims,
// study): the --db option, opening the store, turning stored or batch scores into compare
// timelines, loading a claim spec, and the JSON of claim results.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "compare/claims.h"
#include "compare/timeline.h"
#include "core/base/result.h"
#include "store/scores_csv.h"
#include "store/store.h"

namespace skintrack::cli {

// Adds `--db FILE` (default: $XDG_DATA_HOME/skintrack/skintrack.db or
// ~/.local/share/skintrack/skintrack.db).
void AddDbOption(CLI::App* sub, std::string* db_path);
std::filesystem::path ResolveDbPath(const std::string& db_path);

// Opens the store; with must_exist a missing file is kStorage naming the path and how to create it.
Result<store::Store> OpenStore(const std::string& db_path, bool must_exist);

// Timelines of every subject (or one) from the store, optionally only scores of one region. A
// capture's values its warnings leave out under `rules` (compare::MetricUnresolved) are not in
// them.
Result<std::vector<compare::SubjectTimeline>> LoadTimelines(store::Store& store,
                                                            const std::string& region,
                                                            const compare::JudgeRules& rules = {});
// Timelines from batch long-form scores. `warnings_by_image` (image SHA-256 -> the warnings of its
// score) leaves out the values those warnings make unresolved; images it lacks keep every value.
Result<std::vector<compare::SubjectTimeline>> TimelinesFromLongScores(
    const std::vector<store::LongScore>& scores, const std::string& region,
    const std::map<std::string, std::vector<std::string>>& warnings_by_image = {},
    const compare::JudgeRules& rules = {});

// The warnings of each image a batch output folder scored (image SHA-256 -> codes), read from its
// index.csv and per-image JSON documents; empty when the folder holds no index.csv (a scores.csv
// from elsewhere), and without the images whose document is missing or unreadable. kBadInput when
// the index itself is malformed.
Result<std::map<std::string, std::vector<std::string>>> BatchWarningsByImage(
    const std::filesystem::path& batch_dir);

// The claim spec at `path` (kBadInput with file:line on problems) or the presets when empty.
Result<std::vector<compare::ClaimSpec>> LoadClaims(const std::string& path);

// kBadInput when `metric` is neither a known metric nor present in the data.
Status CheckMetricName(const std::string& metric, const std::vector<compare::SubjectTimeline>& data);

nlohmann::json ClaimSpecToJson(const compare::ClaimSpec& claim);
nlohmann::json ClaimResultToJson(const compare::ClaimResult& result);

}  // namespace skintrack::cli

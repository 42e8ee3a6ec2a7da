#pragma once
// The tables of a batch output folder, built from its ledger (one record per manifest row) and
// the per-image JSON documents, and the merge of shard folders (docs/BATCH.md).
//
//   index.csv        the ledger: row,line,subject,session,date,kind,region,image,image_sha256,
//                    status,json,category,exit_code,message  (status ok | failed | rejected | not_run)
//   scores.csv       long/tidy: subject,session,date,kind,region,metric,value,unit,image_sha256
//                    (metric = group.key; numeric scalars only; null -> empty)
//   scores_wide.csv  one row per scored image: subject,session,date,kind,region,image,image_sha256,
//                    alignment, then one column per metric (sorted; labels such as
//                    pigmentation.ita_class included; missing -> empty)
//   errors.csv       subject,session,image,category,exit_code,message for every failed or
//                    rejected row
// Rows appear in manifest order; numbers are written as the JSON documents hold them (shortest
// round-trip form), so the tables are byte-identical whenever the JSONs are.
//
// Memory: the JSON documents are streamed one at a time (twice: the first pass collects the wide
// columns), so it does not grow with the number of images beyond the ledger itself.
// Errors: kStorage when a table cannot be written, kBadInput when a ledger or a JSON document it
// names is missing or malformed. Thread-safety: pure functions of the files.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace skintrack::core {

enum class BatchRowStatus { kOk, kFailed, kRejected, kNotRun };

const char* BatchRowStatusName(BatchRowStatus status);

struct BatchRowRecord {
  std::size_t row = 0;  // 0-based data row of the manifest
  int line = 0;         // 1-based manifest line
  std::string subject, session, date, kind, region, image;
  std::string image_sha256;  // empty when the file could not be read
  BatchRowStatus status = BatchRowStatus::kNotRun;
  std::string json;          // "images/<name>.json" relative to the output folder (status ok)
  std::string category;      // ErrorCodeName of the failure ("bad_input", ...); empty when ok
  int exit_code = 0;
  std::string message;
};

// Writes index.csv, scores.csv, scores_wide.csv and errors.csv into `out_dir` (atomically each).
// `rows` must be sorted by row.
Status WriteBatchTables(const std::filesystem::path& out_dir,
                        const std::vector<BatchRowRecord>& rows);

// Reads an index.csv written by WriteBatchTables.
Result<std::vector<BatchRowRecord>> ReadBatchIndex(const std::filesystem::path& index_csv);

struct BatchMergeSummary {
  std::size_t shards = 0;
  std::size_t rows = 0;
  std::size_t ok = 0;
  std::size_t failed = 0;  // failed + rejected + not_run
  int exit_code = 0;       // as BatchSummary::exit_code for the merged rows
};

// Joins shard output folders (each with run.json, index.csv and images/) into `out_dir`: checks
// that they come from the same manifest (SHA-256) and result parameters, that no manifest row
// appears twice and which shards are missing (kBadInput naming them), copies the per-image JSONs
// and writes the tables and a run.json ("merged_from"). The merged tables equal those of an
// unsharded run.
Result<BatchMergeSummary> MergeBatchOutputs(const std::vector<std::filesystem::path>& shard_dirs,
                                            const std::filesystem::path& out_dir);

// Exit code for a set of failure categories (see BatchSummary::exit_code).
int BatchExitCode(const std::vector<BatchRowRecord>& rows);

// The current time, UTC, as ISO 8601 to the second ("2026-12-04T08:40:00Z").
std::string NowUtc();

}  // namespace skintrack::core

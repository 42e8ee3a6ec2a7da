#include "core/pipeline/batch_tables.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/base/version.h"
#include "core/io/csv.h"

namespace skintrack::core {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kIndexColumns[] = {"row",    "line",         "subject", "session", "date",
                                         "kind",   "region",       "image",   "image_sha256",
                                         "status", "json",         "category", "exit_code",
                                         "message"};

// Streams a table into `path` through a temporary file (crash-safe, see atomic_file.h).
Status WriteTableFile(const fs::path& path,
                      const std::function<Status(std::ofstream& out)>& write_rows) {
  return WriteViaTempFile(path, [&](const fs::path& temp_path) -> Status {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    if (!out) return StorageError("cannot create " + temp_path.string());
    SKT_RETURN_IF_ERROR(write_rows(out));
    out.flush();
    if (!out) return StorageError("cannot write " + path.string() + " (disk full?)");
    return OkStatus();
  });
}

void WriteRecord(std::ofstream& out, const std::vector<std::string>& fields) {
  std::string line;
  AppendCsvRecord(line, fields);
  out << line;
}

std::string NumberText(const json& value) {
  if (value.is_number()) return value.dump();
  return "";  // R, pandas and `skintrack study` read an empty numeric field as missing
}

Result<json> ReadJsonDocument(const fs::path& path) {
  SKT_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  json doc = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return BadInputError(path.string() + ": not a JSON document; delete it and run again");
  }
  return doc;
}

// Scalar metrics of a score document in document order (groups and keys sorted by name):
// (metric, value, unit); `numeric_only` leaves out labels such as ita_class.
struct MetricCell {
  std::string metric;
  std::string value;
  std::string unit;
};

std::vector<MetricCell> MetricCells(const json& doc, bool numeric_only) {
  std::vector<MetricCell> cells;
  const auto metrics = doc.find("metrics");
  if (metrics == doc.end() || !metrics->is_object()) return cells;
  for (const auto& [group, values] : metrics->items()) {
    if (!values.is_object()) continue;
    const auto units = values.find("units");
    if (units == values.end() || !units->is_object()) continue;  // "mask", "analysis": no metrics
    for (const auto& [key, value] : values.items()) {
      if (key == "units") continue;
      const auto unit = units->find(key);
      const bool scalar = unit != units->end();
      if (numeric_only && !scalar) continue;
      MetricCell cell;
      cell.metric = group + "." + key;
      if (scalar) {
        cell.value = NumberText(value);
        cell.unit = unit->is_string() ? unit->get<std::string>() : "";
      } else if (value.is_string()) {
        cell.value = value.get<std::string>();
      } else if (value.is_number()) {
        cell.value = value.dump();
      }
      cells.push_back(std::move(cell));
    }
  }
  return cells;
}

std::string AlignmentStatus(const json& doc) {
  const auto alignment = doc.find("alignment");
  if (alignment == doc.end() || !alignment->is_object()) return "";
  const auto status = alignment->find("status");
  return status != alignment->end() && status->is_string() ? status->get<std::string>() : "";
}

}  // namespace

std::string NowUtc() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

const char* BatchRowStatusName(BatchRowStatus status) {
  switch (status) {
    case BatchRowStatus::kOk: return "ok";
    case BatchRowStatus::kFailed: return "failed";
    case BatchRowStatus::kRejected: return "rejected";
    case BatchRowStatus::kNotRun: return "not_run";
  }
  return "not_run";
}

int BatchExitCode(const std::vector<BatchRowRecord>& rows) {
  std::set<int> codes;
  for (const BatchRowRecord& row : rows) {
    if (row.status == BatchRowStatus::kFailed || row.status == BatchRowStatus::kRejected) {
      codes.insert(row.exit_code);
    }
  }
  for (const int code : {2, 3, 4, 5}) {
    if (codes.count(code) > 0) return code;
  }
  return codes.empty() ? 0 : 5;
}

Status WriteBatchTables(const fs::path& out_dir, const std::vector<BatchRowRecord>& rows) {
  SKT_RETURN_IF_ERROR(WriteTableFile(out_dir / "index.csv", [&](std::ofstream& out) -> Status {
    WriteRecord(out, std::vector<std::string>(std::begin(kIndexColumns), std::end(kIndexColumns)));
    for (const BatchRowRecord& r : rows) {
      WriteRecord(out, {std::to_string(r.row), std::to_string(r.line), r.subject, r.session, r.date,
                        r.kind, r.region, r.image, r.image_sha256, BatchRowStatusName(r.status),
                        r.json, r.category, r.exit_code == 0 ? "" : std::to_string(r.exit_code),
                        r.message});
    }
    return OkStatus();
  }));

  SKT_RETURN_IF_ERROR(WriteTableFile(out_dir / "errors.csv", [&](std::ofstream& out) -> Status {
    WriteRecord(out, {"subject", "session", "image", "category", "exit_code", "message"});
    for (const BatchRowRecord& r : rows) {
      if (r.status != BatchRowStatus::kFailed && r.status != BatchRowStatus::kRejected) continue;
      WriteRecord(out, {r.subject, r.session, r.image, r.category, std::to_string(r.exit_code),
                        r.message});
    }
    return OkStatus();
  }));

  // First pass: the long table, and the set of wide columns.
  std::set<std::string> wide_columns;
  SKT_RETURN_IF_ERROR(WriteTableFile(out_dir / "scores.csv", [&](std::ofstream& out) -> Status {
    WriteRecord(out, {"subject", "session", "date", "kind", "region", "metric", "value", "unit",
                      "image_sha256"});
    for (const BatchRowRecord& r : rows) {
      if (r.status != BatchRowStatus::kOk) continue;
      SKT_ASSIGN_OR_RETURN(json doc, ReadJsonDocument(out_dir / r.json));
      for (const MetricCell& cell : MetricCells(doc, /*numeric_only=*/false)) {
        wide_columns.insert(cell.metric);
      }
      for (const MetricCell& cell : MetricCells(doc, /*numeric_only=*/true)) {
        WriteRecord(out, {r.subject, r.session, r.date, r.kind, r.region, cell.metric, cell.value,
                          cell.unit, r.image_sha256});
      }
    }
    return OkStatus();
  }));

  // Second pass: the wide table.
  return WriteTableFile(out_dir / "scores_wide.csv", [&](std::ofstream& out) -> Status {
    std::vector<std::string> header = {"subject", "session",      "date",     "kind",
                                       "region",  "image",        "image_sha256", "alignment"};
    header.insert(header.end(), wide_columns.begin(), wide_columns.end());
    WriteRecord(out, header);
    for (const BatchRowRecord& r : rows) {
      if (r.status != BatchRowStatus::kOk) continue;
      SKT_ASSIGN_OR_RETURN(json doc, ReadJsonDocument(out_dir / r.json));
      std::map<std::string, std::string> values;
      for (MetricCell& cell : MetricCells(doc, /*numeric_only=*/false)) {
        values[cell.metric] = std::move(cell.value);
      }
      std::vector<std::string> fields = {r.subject, r.session,      r.date,
                                         r.kind,    r.region,       r.image,
                                         r.image_sha256, AlignmentStatus(doc)};
      for (const std::string& column : wide_columns) {
        const auto it = values.find(column);
        fields.push_back(it == values.end() ? "" : it->second);
      }
      WriteRecord(out, fields);
    }
    return OkStatus();
  });
}

Result<std::vector<BatchRowRecord>> ReadBatchIndex(const fs::path& index_csv) {
  SKT_ASSIGN_OR_RETURN(CsvTable table, ReadCsvFile(index_csv));
  std::vector<std::size_t> columns;
  for (const char* name : kIndexColumns) {
    const auto index = table.ColumnIndex(name);
    if (!index) {
      return BadInputError(index_csv.string() + ": no '" + name +
                           "' column; is this the index.csv of a skintrack batch folder?");
    }
    columns.push_back(*index);
  }
  std::vector<BatchRowRecord> rows;
  rows.reserve(table.rows.size());
  for (const CsvRecord& record : table.rows) {
    auto field = [&](std::size_t i) -> const std::string& { return record.fields[columns[i]]; };
    BatchRowRecord r;
    try {
      r.row = static_cast<std::size_t>(std::stoull(field(0)));
      r.line = std::stoi(field(1));
      r.exit_code = field(12).empty() ? 0 : std::stoi(field(12));
    } catch (const std::exception&) {
      return BadInputError(index_csv.string() + ", line " + std::to_string(record.line) +
                           ": row, line and exit_code must be integers");
    }
    r.subject = field(2);
    r.session = field(3);
    r.date = field(4);
    r.kind = field(5);
    r.region = field(6);
    r.image = field(7);
    r.image_sha256 = field(8);
    const std::string& status = field(9);
    if (status == "ok") {
      r.status = BatchRowStatus::kOk;
    } else if (status == "failed") {
      r.status = BatchRowStatus::kFailed;
    } else if (status == "rejected") {
      r.status = BatchRowStatus::kRejected;
    } else if (status == "not_run") {
      r.status = BatchRowStatus::kNotRun;
    } else {
      return BadInputError(index_csv.string() + ", line " + std::to_string(record.line) +
                           ": unknown status '" + status + "'");
    }
    r.json = field(10);
    r.category = field(11);
    r.message = field(13);
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<BatchMergeSummary> MergeBatchOutputs(const std::vector<fs::path>& shard_dirs,
                                            const fs::path& out_dir) {
  if (shard_dirs.empty()) return UsageError("batch-merge needs at least one shard folder");
  const std::string started_at = NowUtc();
  std::string manifest_sha;
  std::string parameters_sha;
  json parameters;
  int shard_count = 0;
  std::map<int, fs::path> shard_of_index;
  std::vector<BatchRowRecord> rows;
  for (const fs::path& dir : shard_dirs) {
    SKT_ASSIGN_OR_RETURN(json run, ReadJsonDocument(dir / "run.json"));
    const std::string this_manifest = run.value("/manifest/sha256"_json_pointer, "");
    const std::string this_parameters = run.value("parameters_sha256", "");
    const int index = run.value("/shard/index"_json_pointer, 0);
    const int count = run.value("/shard/count"_json_pointer, 0);
    if (this_manifest.empty() || this_parameters.empty() || index < 1 || count < index) {
      return BadInputError((dir / "run.json").string() +
                           ": not the run.json of a skintrack batch (manifest, parameters or "
                           "shard missing)");
    }
    if (shard_of_index.empty()) {
      manifest_sha = this_manifest;
      parameters_sha = this_parameters;
      parameters = run.value("parameters", json::object());
      shard_count = count;
    } else if (this_manifest != manifest_sha) {
      return BadInputError(dir.string() + " was run on a different manifest than " +
                           shard_of_index.begin()->second.string() +
                           "; merge only shards of one manifest");
    } else if (this_parameters != parameters_sha) {
      return BadInputError(dir.string() + " was run with different parameters (or tool version) "
                                          "than " + shard_of_index.begin()->second.string() +
                           "; rerun it with the same options");
    } else if (count != shard_count) {
      return BadInputError(dir.string() + " is shard " + std::to_string(index) + "/" +
                           std::to_string(count) + " but the others are /" +
                           std::to_string(shard_count));
    }
    if (!shard_of_index.emplace(index, dir).second) {
      return BadInputError("shard " + std::to_string(index) + "/" + std::to_string(count) +
                           " given twice: " + shard_of_index[index].string() + " and " +
                           dir.string());
    }
    SKT_ASSIGN_OR_RETURN(std::vector<BatchRowRecord> shard_rows,
                         ReadBatchIndex(dir / "index.csv"));
    for (BatchRowRecord& r : shard_rows) {
      if (r.status == BatchRowStatus::kOk) {
        // Copy the per-image document; the tables are rebuilt from the copies.
        SKT_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(dir / r.json));
        std::error_code ec;
        fs::create_directories((out_dir / r.json).parent_path(), ec);
        if (!fs::exists(out_dir / r.json, ec) || !fs::equivalent(dir / r.json, out_dir / r.json, ec)) {
          SKT_RETURN_IF_ERROR(WriteFileAtomic(out_dir / r.json, bytes));
        }
      }
      rows.push_back(std::move(r));
    }
    std::error_code ec;
    if (fs::is_directory(dir / "maps", ec) && !fs::equivalent(dir, out_dir, ec)) {
      fs::copy(dir / "maps", out_dir / "maps",
               fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
      if (ec) return StorageError("cannot copy " + (dir / "maps").string() + ": " + ec.message());
    }
  }
  std::string missing;
  for (int i = 1; i <= shard_count; ++i) {
    if (shard_of_index.count(i) == 0) missing += " " + std::to_string(i) + "/" +
                                                 std::to_string(shard_count);
  }
  if (!missing.empty()) {
    return BadInputError("shards missing:" + missing + "; merge every shard of the run");
  }
  std::sort(rows.begin(), rows.end(),
            [](const BatchRowRecord& a, const BatchRowRecord& b) { return a.row < b.row; });
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].row == rows[i - 1].row) {
      return BadInputError("manifest line " + std::to_string(rows[i].line) +
                           " appears in two shards; were the shards run on one manifest?");
    }
  }
  SKT_RETURN_IF_ERROR(WriteBatchTables(out_dir, rows));

  BatchMergeSummary summary;
  summary.shards = shard_dirs.size();
  summary.rows = rows.size();
  for (const BatchRowRecord& r : rows) {
    if (r.status == BatchRowStatus::kOk) {
      ++summary.ok;
    } else {
      ++summary.failed;
    }
  }
  summary.exit_code = BatchExitCode(rows);

  json run = {{"schema", "skintrack.batch-run/1"},
              {"tool", {{"name", kToolName}, {"version", kToolVersion}, {"commit", kGitCommit}}}};
  json merged_from = json::array();
  for (const auto& [index, dir] : shard_of_index) {
    merged_from.push_back({{"shard", index}, {"path", dir.string()}});
  }
  run["merged_from"] = merged_from;
  run["manifest"] = {{"sha256", manifest_sha}};
  run["parameters"] = parameters;
  run["parameters_sha256"] = parameters_sha;
  run["shard"] = {{"index", 1}, {"count", 1}};
  run["started_at"] = started_at;
  run["finished_at"] = NowUtc();
  run["counts"] = {{"rows", summary.rows}, {"ok", summary.ok}, {"failed", summary.failed}};
  run["exit_code"] = summary.exit_code;
  SKT_RETURN_IF_ERROR(WriteFileAtomic(out_dir / "run.json", run.dump(2) + "\n"));
  return summary;
}

}  // namespace skintrack::core

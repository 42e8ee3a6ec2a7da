#include "cli/db_options.h"

#include <algorithm>
#include <map>

#include "compare/metric_catalog.h"
#include "core/base/atomic_file.h"
#include "core/pipeline/batch_tables.h"
#include "core/pipeline/score_pipeline.h"

namespace skintrack::cli {
namespace fs = std::filesystem;

void AddDbOption(CLI::App* sub, std::string* db_path) {
  sub->add_option("--db", *db_path,
                  "SQLite store (default: " + store::DefaultDatabasePath().string() + ")");
}

fs::path ResolveDbPath(const std::string& db_path) {
  return db_path.empty() ? store::DefaultDatabasePath() : fs::path(db_path);
}

Result<store::Store> OpenStore(const std::string& db_path, bool must_exist) {
  const fs::path path = ResolveDbPath(db_path);
  std::error_code ec;
  if (must_exist && path != ":memory:" && !fs::exists(path, ec)) {
    return StorageError("database " + path.string() +
                        " does not exist; import photos first with `skintrack import PATH --db " +
                        path.string() + "`");
  }
  store::DatabaseOptions options;
  options.create = !must_exist;
  return store::Store::Open(path, options);
}

namespace {

struct Builder {
  std::map<std::string, compare::SubjectTimeline> subjects;
  std::map<std::pair<std::string, std::string>, std::size_t> session_index;

  // The session `label` of `subject`, added on first sight.
  Result<compare::SessionScores*> Session(const std::string& subject, const std::string& arm,
                                          const std::string& label, const std::string& kind_name,
                                          const std::string& started_at) {
    compare::SubjectTimeline& t = subjects[subject];
    t.subject = subject;
    if (t.arm.empty()) t.arm = arm;
    auto key = std::make_pair(subject, label);
    auto it = session_index.find(key);
    if (it == session_index.end()) {
      SKT_ASSIGN_OR_RETURN(compare::SessionKind kind, compare::ParseSessionKind(kind_name));
      SKT_ASSIGN_OR_RETURN(std::int64_t time_s, compare::ParseDateTime(started_at));
      compare::SessionScores session;
      session.id = label;
      session.kind = kind;
      session.time_s = time_s;
      t.sessions.push_back(std::move(session));
      it = session_index.emplace(key, t.sessions.size() - 1).first;
    }
    return &t.sessions[it->second];
  }

  // One value of one capture; or, when the capture's warnings leave the metric out
  // (compare::MetricUnresolved), the session noted in the subject's left_out instead.
  Status Add(const std::string& subject, const std::string& arm, const std::string& label,
             const std::string& kind_name, const std::string& started_at, const std::string& metric,
             double value, const std::string& left_out_by = "") {
    SKT_ASSIGN_OR_RETURN(compare::SessionScores * session,
                         Session(subject, arm, label, kind_name, started_at));
    if (left_out_by.empty()) {
      session->values[metric].push_back(value);
      return OkStatus();
    }
    compare::SubjectTimeline& t = subjects[subject];
    std::vector<std::string>& sessions = t.left_out[metric];
    if (std::find(sessions.begin(), sessions.end(), label) == sessions.end()) {
      sessions.push_back(label);
    }
    std::vector<std::string>& codes = t.left_out_warnings[metric];
    if (std::find(codes.begin(), codes.end(), left_out_by) == codes.end()) {
      codes.push_back(left_out_by);
      std::sort(codes.begin(), codes.end());
    }
    return OkStatus();
  }

  std::vector<compare::SubjectTimeline> Take() {
    std::vector<compare::SubjectTimeline> out;
    for (auto& [code, t] : subjects) out.push_back(std::move(t));
    return out;
  }
};

}  // namespace

Result<std::vector<compare::SubjectTimeline>> LoadTimelines(store::Store& store,
                                                            const std::string& region,
                                                            const compare::JudgeRules& rules) {
  SKT_ASSIGN_OR_RETURN(std::vector<store::ScoreRow> rows, store.LoadScores());
  // Each capture's warnings, for the values they leave out (compare::MetricUnresolved).
  SKT_ASSIGN_OR_RETURN(std::vector<store::CaptureRecord> captures, store.ListCaptures());
  std::map<std::int64_t, std::vector<std::string>> warnings_by_capture;
  for (const store::CaptureRecord& c : captures) {
    warnings_by_capture[c.id] = core::StoredWarningCodes(c.warnings_json);
  }
  Builder builder;
  for (const store::ScoreRow& r : rows) {
    if (!region.empty() && r.region != region) continue;
    auto it = warnings_by_capture.find(r.capture_id);
    const std::string left_out = it == warnings_by_capture.end()
                                     ? ""
                                     : compare::UnresolvingWarning(r.metric, it->second, rules);
    SKT_RETURN_IF_ERROR(builder.Add(r.subject, r.arm, r.session_label, r.session_kind, r.started_at,
                                    r.metric, r.value, left_out));
  }
  // Subjects with sessions but no scores still belong in listings and protocol claims.
  SKT_ASSIGN_OR_RETURN(std::vector<store::SubjectRecord> subjects, store.ListSubjects());
  for (const store::SubjectRecord& s : subjects) {
    SKT_ASSIGN_OR_RETURN(std::vector<store::SessionRecord> sessions, store.ListSessions(s.id));
    for (const store::SessionRecord& session : sessions) {
      compare::SubjectTimeline& t = builder.subjects[s.code];
      t.subject = s.code;
      t.arm = s.arm;
      auto key = std::make_pair(s.code, session.label);
      const bool treatment_performed = !session.device.empty() || session.needle_depth_mm.has_value();
      if (auto it = builder.session_index.find(key); it != builder.session_index.end()) {
        t.sessions[it->second].treatment_performed = treatment_performed;
        continue;
      }
      SKT_ASSIGN_OR_RETURN(compare::SessionKind kind, compare::ParseSessionKind(session.kind));
      SKT_ASSIGN_OR_RETURN(std::int64_t time_s, compare::ParseDateTime(session.started_at));
      t.sessions.push_back({session.label, kind, time_s, {}, treatment_performed});
      builder.session_index.emplace(key, t.sessions.size() - 1);
    }
  }
  return builder.Take();
}

Result<std::vector<compare::SubjectTimeline>> TimelinesFromLongScores(
    const std::vector<store::LongScore>& scores, const std::string& region,
    const std::map<std::string, std::vector<std::string>>& warnings_by_image,
    const compare::JudgeRules& rules) {
  Builder builder;
  for (const store::LongScore& s : scores) {
    if (!region.empty() && s.region != region) continue;
    auto it = warnings_by_image.find(s.image_sha256);
    const std::string left_out = it == warnings_by_image.end()
                                     ? ""
                                     : compare::UnresolvingWarning(s.metric, it->second, rules);
    SKT_RETURN_IF_ERROR(
        builder.Add(s.subject, s.arm, s.session, s.kind, s.date, s.metric, s.value, left_out));
  }
  return builder.Take();
}

Result<std::map<std::string, std::vector<std::string>>> BatchWarningsByImage(
    const fs::path& batch_dir) {
  std::map<std::string, std::vector<std::string>> out;
  std::error_code ec;
  if (!fs::exists(batch_dir / "index.csv", ec)) return out;
  SKT_ASSIGN_OR_RETURN(std::vector<core::BatchRowRecord> rows,
                       core::ReadBatchIndex(batch_dir / "index.csv"));
  for (const core::BatchRowRecord& row : rows) {
    if (row.status != core::BatchRowStatus::kOk || row.json.empty()) continue;
    if (out.count(row.image_sha256) != 0) continue;
    // A document copied away or damaged leaves its image's values all in, as a scores.csv
    // from elsewhere does.
    Result<std::string> text = ReadFileBytes(batch_dir / row.json);
    if (!text.ok()) continue;
    const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) continue;
    out[row.image_sha256] = core::WarningCodes(doc);
  }
  return out;
}

Result<std::vector<compare::ClaimSpec>> LoadClaims(const std::string& path) {
  if (path.empty()) return compare::PresetClaims();
  SKT_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(path));
  return compare::ParseClaimSpec(text, path);
}

Status CheckMetricName(const std::string& metric,
                       const std::vector<compare::SubjectTimeline>& data) {
  if (compare::FindMetric(metric)) return OkStatus();
  for (const compare::SubjectTimeline& t : data) {
    for (const std::string& key : compare::MetricsPresent(t)) {
      if (key == metric) return OkStatus();
    }
  }
  return BadInputError("unknown metric '" + metric +
                       "'; use group.key as in docs/METRICS.md (e.g. pores.count)");
}

nlohmann::json ClaimSpecToJson(const compare::ClaimSpec& c) {
  nlohmann::json j = {{"id", c.id},
                      {"title", c.title},
                      {"kind", compare::ClaimKindName(c.kind)},
                      {"event", compare::ClaimEventName(c.event)},
                      {"window", c.WindowText()},
                      {"metrics", c.metrics},
                      {"min_mdc", c.min_mdc},
                      {"min_pct", c.min_pct},
                      {"combine", c.combine_all ? "all" : "any"}};
  if (c.kind == compare::ClaimKind::kProtocol) {
    j["sessions"] = {c.min_sessions, c.max_sessions};
    j["interval_days"] = {c.min_interval_days, c.max_interval_days};
  } else {
    j[c.window_in_hours ? "window_hours" : "window_days"] = {c.window_start, c.window_end};
  }
  return j;
}

nlohmann::json ClaimResultToJson(const compare::ClaimResult& r) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const compare::ClaimEvidence& e : r.evidence) {
    nlohmann::json j = {{"metric", e.metric},
                        {"session", e.session_id},
                        {"days_after_event", e.days_after_event},
                        {"value", e.value},
                        {"reference", e.reference},
                        {"delta", e.delta},
                        {"delta_pct", e.delta_pct ? nlohmann::json(*e.delta_pct) : nlohmann::json()},
                        {"mdc95", e.mdc95},
                        {"size_mdc", e.size_mdc},
                        {"passes", e.passes}};
    if (!e.note.empty()) j["note"] = e.note;
    evidence.push_back(j);
  }
  nlohmann::json j = {{"claim", r.claim_id},
                      {"title", r.title},
                      {"verdict", compare::ClaimVerdictName(r.verdict)},
                      {"reason", r.reason},
                      {"threshold_mdc", r.threshold_mdc},
                      {"evidence", evidence}};
  if (!r.ita_class.empty()) j["ita_class"] = r.ita_class;
  return j;
}

}  // namespace skintrack::cli

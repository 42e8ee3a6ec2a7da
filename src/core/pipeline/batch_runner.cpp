#include "core/pipeline/batch_runner.h"

#include <sys/utsname.h>
#include <unistd.h>
#if defined(__GLIBC__)
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/allocator.h"
#include "core/base/atomic_file.h"
#include "core/base/check.h"
#include "core/base/deadline.h"
#include "core/base/sha256.h"
#include "core/base/version.h"
#include "core/mask/roi.h"
#include "core/pipeline/batch_tables.h"

namespace skintrack::core {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// One manifest row of this shard: accepted (entry) or rejected before loading.
struct WorkItem {
  const ManifestEntry* entry = nullptr;
  const ManifestRejectedRow* rejected = nullptr;
  const ManifestEntry* baseline = nullptr;  // subject's baseline when this row is aligned to it
};

// What a worker hands to the writer.
struct RowResult {
  BatchRowRecord record;     // status kOk or kFailed
  std::string json_name;     // "images/<name>.json" (ok)
  std::string json_text;     // the document; empty when resumed
  bool resumed = false;
};

// Keeps file names portable: [A-Za-z0-9._-], at most 64 characters.
std::string SafeName(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    out.push_back(ok ? c : '_');
    if (out.size() == 64) break;
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

std::string JsonName(const std::string& sha256, const ManifestEntry& entry) {
  return "images/" + sha256.substr(0, 12) + "_" + SafeName(entry.subject) + "_" +
         SafeName(entry.session) + ".json";
}

// "line 12: image img/a.png not found ..." without the absolute path.
std::string UnreadableMessage(const ManifestEntry& entry) {
  std::error_code ec;
  const bool exists = fs::exists(entry.image_path, ec);
  return "line " + std::to_string(entry.line) + ": image " + entry.image +
         (exists ? " cannot be read (permissions? a folder?)"
                 : " not found; check the path (relative to the manifest's folder)");
}

// The manifest fields of a row as recorded in its document (paths as written in the manifest).
json ManifestBlock(const ManifestEntry& entry) {
  return {{"subject", entry.subject},
          {"session", entry.session},
          {"date", entry.date},
          {"kind", CaptureKindName(entry.kind)},
          {"region", entry.region},
          {"image", entry.image},
          {"roi", entry.roi},
          {"px_per_mm", entry.px_per_mm ? json(*entry.px_per_mm) : json(nullptr)},
          {"lights", entry.lights}};
}

BatchRowRecord RecordFor(std::size_t row, int line, const std::string& subject,
                         const std::string& session, const std::string& image) {
  BatchRowRecord record;
  record.row = row;
  record.line = line;
  record.subject = subject;
  record.session = session;
  record.image = image;
  return record;
}

void Fail(BatchRowRecord& record, const Error& error) {
  record.status = BatchRowStatus::kFailed;
  record.category = ErrorCodeName(error.code);
  record.exit_code = ExitCodeFor(error.code);
  record.message = error.message;
}

// Restores OpenCV's thread count when the run ends.
class OpenCvThreadsGuard {
 public:
  explicit OpenCvThreadsGuard(int threads) : previous_(cv::getNumThreads()) {
    cv::setNumThreads(threads);
  }
  ~OpenCvThreadsGuard() { cv::setNumThreads(previous_); }
  OpenCvThreadsGuard(const OpenCvThreadsGuard&) = delete;
  OpenCvThreadsGuard& operator=(const OpenCvThreadsGuard&) = delete;

 private:
  int previous_;
};

// Count, rate and ETA on the progress stream: one rewritten line on a terminal, otherwise a plain
// line at most every 2 s (and at the end).
class Progress {
 public:
  Progress(std::FILE* stream, std::size_t total)
      : stream_(stream),
        total_(total),
        tty_(stream != nullptr && ::isatty(::fileno(stream)) == 1),
        start_(Clock::now()),
        last_(start_) {}

  void Update(std::size_t done, std::size_t computed, std::size_t failed, bool final_line) {
    if (stream_ == nullptr) return;
    const auto now = Clock::now();
    const double since_last = std::chrono::duration<double>(now - last_).count();
    if (!final_line && since_last < (tty_ ? 0.2 : 2.0)) return;
    last_ = now;
    const double elapsed_s = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed_s > 0 ? static_cast<double>(computed) / elapsed_s : 0.0;
    const std::size_t left = total_ - std::min(done, total_);
    char eta[32] = "--:--";
    if (rate > 0) {
      const auto seconds = static_cast<long>(static_cast<double>(left) / rate);
      std::snprintf(eta, sizeof(eta), "%ld:%02ld:%02ld", seconds / 3600, (seconds / 60) % 60,
                    seconds % 60);
    }
    std::fprintf(stream_, "%sbatch: %zu/%zu rows, %zu failed, %.2f images/s, ETA %s%s",
                 tty_ ? "\r" : "", done, total_, failed, rate, eta,
                 tty_ ? (final_line ? "\n" : "") : "\n");
    std::fflush(stream_);
  }

 private:
  std::FILE* stream_;
  std::size_t total_;
  bool tty_;
  Clock::time_point start_;
  Clock::time_point last_;
};

json PlatformJson() {
  json platform = json::object();
  struct utsname names {};
  if (::uname(&names) == 0) {
    platform["os"] = std::string(names.sysname) + " " + names.release;
    platform["machine"] = names.machine;
  }
  platform["compiler"] = __VERSION__;
  platform["opencv"] = CV_VERSION;
  platform["hardware_threads"] = std::thread::hardware_concurrency();
  return platform;
}

class BaselineCache;

// Everything a worker needs, shared read-only between workers.
struct RunContext {
  const BatchOptions* options = nullptr;
  BaselineCache* baselines = nullptr;  // shared; thread-safe
  fs::path out_dir;
  std::string parameters_sha256;
};

// The baseline's SHA-256, or "" when it cannot be read (the document then says so).
std::string BaselineKey(const std::optional<std::string>& baseline_sha) {
  return baseline_sha ? *baseline_sha : std::string();
}

// True when images/<name>.json is a complete result of this row with these inputs and parameters.
bool ExistingResultMatches(const fs::path& path, const std::string& sha256,
                           const std::string& parameters_sha256, const json& manifest_block,
                           const std::string& baseline_key) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) return false;
  const json doc = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  return doc.value("/batch/parameters_sha256"_json_pointer, "") == parameters_sha256 &&
         doc.value("/input/sha256"_json_pointer, "") == sha256 &&
         doc.value("/batch/baseline_sha256"_json_pointer, "") == baseline_key &&
         doc.contains("manifest") && doc["manifest"] == manifest_block;
}

// A subject's baseline as its follow-ups need it, shared by the workers through BaselineCache:
// the SHA-256 of its file (keys --resume; read once), and, the first time a follow-up is scored,
// its pixels and the region its own score measures (ScoringMask). Guarded by `mutex`; once
// `prepared`, `bgr` and `mask` are never changed, so copies of them may be used without the lock.
struct BaselineSlot {
  std::mutex mutex;
  bool read = false;
  std::string bytes;                  // the file, kept until decoded
  std::optional<std::string> sha256;  // nullopt when the file cannot be read
  bool prepared = false;
  std::string failure;  // "" (usable), "baseline_unreadable" or "baseline_failed"
  std::string message;  // why it cannot be used
  cv::Mat bgr;
  cv::Mat mask;
  std::optional<cv::Rect> face;  // the baseline's face box, when its mask found one
  int face_quarter_turns = 0;    // and the clockwise quarter turns that bring it upright
  double face_tilt_deg = 0;      // and its tilt beyond them (FindFace)
};

// The most recently used baselines (rows of one subject are usually together, so a few slots
// serve a whole study). A slot dropped from the cache lives on while a worker still uses it, so
// memory stays bounded by capacity + jobs baselines; a miss only costs a second decode.
class BaselineCache {
 public:
  explicit BaselineCache(std::size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<BaselineSlot> Slot(std::size_t baseline_row) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
      if (it->first == baseline_row) {
        slots_.splice(slots_.begin(), slots_, it);
        return it->second;
      }
    }
    slots_.emplace_front(baseline_row, std::make_shared<BaselineSlot>());
    if (slots_.size() > capacity_) slots_.pop_back();
    return slots_.front().second;
  }

 private:
  std::mutex mutex_;
  std::size_t capacity_;
  std::list<std::pair<std::size_t, std::shared_ptr<BaselineSlot>>> slots_;
};

// The baseline's SHA-256, or nullopt when its file cannot be read.
std::optional<std::string> BaselineSha(BaselineSlot& slot, const ManifestEntry& baseline) {
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (!slot.read) {
    slot.read = true;
    auto bytes = ReadFileBytes(baseline.image_path);
    if (bytes.ok()) {
      slot.sha256 = Sha256Hex(*bytes);
      slot.bytes = std::move(*bytes);
    } else {
      slot.prepared = true;
      slot.failure = "baseline_unreadable";
      slot.message = UnreadableMessage(baseline);
    }
  }
  return slot.sha256;
}

// Decodes the baseline and finds the region its own score measures, once per slot.
void PrepareBaseline(BaselineSlot& slot, const ManifestEntry& baseline,
                     const BatchOptions& options) {
  (void)BaselineSha(slot, baseline);
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (slot.prepared) return;
  slot.prepared = true;
  LoadOptions load;
  load.max_pixels = options.max_pixels;
  auto fixed = DecodeImage(std::move(slot.bytes), baseline.image, load);
  slot.bytes = std::string();
  if (!fixed.ok()) {
    slot.failure = "baseline_unreadable";
    slot.message = fixed.error().message;
    return;
  }
  ScoreOptions score;
  score.load = load;
  score.calibrate = options.calibrate;
  score.chart_pitch_mm = options.chart_pitch_mm;
  score.px_per_mm = baseline.px_per_mm;
  score.roi_path = baseline.roi_path;
  auto mask = ScoringMask(*fixed, score);
  if (!mask.ok()) {
    slot.failure = "baseline_failed";
    slot.message = "the baseline cannot be scored: " + mask.error().message;
    return;
  }
  slot.bgr = std::move(fixed->bgr);
  slot.mask = std::move(mask->mask);
  slot.face = mask->face;
  slot.face_quarter_turns = mask->face_quarter_turns;
  slot.face_tilt_deg = mask->face_tilt_deg;
}

// How a follow-up is measured: in its baseline's frame when `registration` is set (inside
// `common_mask`), otherwise on its own pixels. `block` is the document's `alignment` block.
struct Alignment {
  nlohmann::json block;
  std::optional<Registration> registration;
  cv::Mat common_mask;
  std::optional<cv::Rect> face;  // the baseline's face box (baseline frame)
  int face_quarter_turns = 0;
  double face_tilt_deg = 0;
  std::vector<std::string> warnings;
};

// Aligns `moving` (the row `entry`) to its subject's baseline (DESIGN.md pipeline step 5) and
// derives the common region: the baseline's scoring mask, inside the warped follow-up (and its
// own ROI when the row has one), eroded by 2 px to stay clear of resampled borders. A baseline
// that cannot be used, a failed registration or no common skin are recorded in the block (the
// follow-up is then measured on its own pixels); only an unreadable ROI of this row is an error.
Result<Alignment> AlignToBaseline(const LoadedImage& moving, const ManifestEntry& entry,
                                  const ManifestEntry& baseline, BaselineSlot& slot,
                                  const BatchOptions& options) {
  Alignment out;
  json& block = out.block;
  block = {
      {"baseline", {{"session", baseline.session}, {"image", baseline.image}, {"sha256", nullptr}}},
      {"scored_on", "own_frame"}};
  auto fail = [&](const std::string& status, const std::string& warning,
                  const std::string& message) {
    block["status"] = status;
    block["message"] = message;
    out.warnings.push_back(warning);
  };
  PrepareBaseline(slot, baseline, options);
  cv::Mat fixed_bgr, fixed_mask;
  std::optional<cv::Rect> fixed_face;
  int fixed_face_turns = 0;
  double fixed_face_tilt = 0;
  {
    std::lock_guard<std::mutex> lock(slot.mutex);
    if (slot.sha256) block["baseline"]["sha256"] = *slot.sha256;
    if (!slot.failure.empty()) {
      fail(slot.failure, slot.failure, slot.message);
      return out;
    }
    fixed_bgr = slot.bgr;
    fixed_mask = slot.mask;
    fixed_face = slot.face;
    fixed_face_turns = slot.face_quarter_turns;
    fixed_face_tilt = slot.face_tilt_deg;
  }
  auto registration =
      RegisterImagesDetailed(moving.bgr, fixed_bgr, fixed_mask, options.registration);
  if (!registration.ok()) {
    fail("failed", "alignment_failed", registration.error().message);
    return out;
  }
  json details = RegistrationToJson(*registration);
  details.erase("stage_ms");  // wall times would make the document differ between runs
  block["registration"] = std::move(details);
  if (!registration->ok) {
    fail("failed", "alignment_failed", registration->failure_reason);
    return out;
  }

  const cv::Mat moving_area = AreaInsideFrame(moving.bgr);
  SKT_ASSIGN_OR_RETURN(cv::Mat coverage,
                       WarpToFixed(moving_area, *registration, cv::INTER_NEAREST));
  cv::Mat common = fixed_mask & (coverage == 255);
  if (!entry.roi_path.empty()) {
    SKT_ASSIGN_OR_RETURN(cv::Mat roi, LoadRoiMask(entry.roi_path, moving.bgr.size()));
    SKT_ASSIGN_OR_RETURN(cv::Mat roi_fixed, WarpToFixed(roi, *registration, cv::INTER_NEAREST));
    common &= (roi_fixed != 0);
  }
  cv::erode(common, common, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5)));
  const int common_pixels = cv::countNonZero(common);
  block["common_mask_pixels"] = common_pixels;
  if (common_pixels == 0) {
    fail("failed", "alignment_failed",
         "the aligned photo does not overlap the baseline's skin; frame the same area");
    return out;
  }
  block["status"] = "ok";
  block["scored_on"] = "baseline_region";
  out.registration = std::move(*registration);
  out.common_mask = std::move(common);
  out.face = fixed_face;
  out.face_quarter_turns = fixed_face_turns;
  out.face_tilt_deg = fixed_face_tilt;
  return out;
}

RowResult ProcessEntry(const WorkItem& item, const RunContext& context) {
  const ManifestEntry& entry = *item.entry;
  const BatchOptions& options = *context.options;
  RowResult result;
  result.record = RecordFor(entry.row, entry.line, entry.subject, entry.session, entry.image);
  result.record.date = entry.date;
  result.record.kind = CaptureKindName(entry.kind);
  result.record.region = entry.region;

  auto bytes = ReadFileBytes(entry.image_path);
  if (!bytes.ok()) {
    Fail(result.record, BadInputError(UnreadableMessage(entry)));
    return result;
  }
  const std::string sha256 = Sha256Hex(*bytes);
  result.record.image_sha256 = sha256;
  result.json_name = JsonName(sha256, entry);
  const json manifest_block = ManifestBlock(entry);

  // The baseline's hash keys --resume; its pixels are decoded only when this row is scored.
  std::shared_ptr<BaselineSlot> baseline_slot;
  std::optional<std::string> baseline_sha;
  if (item.baseline != nullptr) {
    baseline_slot = context.baselines->Slot(item.baseline->row);
    baseline_sha = BaselineSha(*baseline_slot, *item.baseline);
  }
  const std::string baseline_key = BaselineKey(baseline_sha);

  if (options.resume &&
      ExistingResultMatches(context.out_dir / result.json_name, sha256, context.parameters_sha256,
                            manifest_block, baseline_key)) {
    result.record.status = BatchRowStatus::kOk;
    result.record.json = result.json_name;
    result.resumed = true;
    return result;
  }

  // The time budget of this image (checked between stages; core/base/deadline.h).
  const ScopedDeadline deadline(options.image_timeout_s, entry.image);
  LoadOptions load;
  load.max_pixels = options.max_pixels;
  // Messages and documents name the image as the manifest does (relative), never by the
  // absolute path, so outputs do not depend on where the study is mounted.
  auto image = DecodeImage(std::move(*bytes), entry.image, load);
  if (!image.ok()) {
    Fail(result.record, image.error());
    return result;
  }
  if (Status in_time = CheckDeadline("decoding"); !in_time.ok()) {
    Fail(result.record, in_time.error());
    return result;
  }

  ScoreOptions score;
  score.load = load;
  score.calibrate = options.calibrate;
  score.chart_pitch_mm = options.chart_pitch_mm;
  score.px_per_mm = entry.px_per_mm;
  score.roi_path = entry.roi_path;
  score.include_paths = false;
  if (options.maps) {
    const fs::path stem = fs::path(result.json_name).stem();
    score.maps_dir = context.out_dir / "maps" / stem;
    std::error_code ec;
    fs::create_directories(score.maps_dir, ec);
  }

  json alignment_block;
  std::vector<std::string> alignment_warnings;
  if (item.baseline != nullptr) {
    auto alignment = AlignToBaseline(*image, entry, *item.baseline, *baseline_slot, options);
    if (!alignment.ok()) {
      Fail(result.record, alignment.error());
      return result;
    }
    if (Status in_time = CheckDeadline("alignment to the baseline"); !in_time.ok()) {
      Fail(result.record, in_time.error());
      return result;
    }
    if (alignment->registration) {
      // Measured on the skin both photos show, carried onto this photo's pixels (DESIGN.md step 6).
      score.fixed_frame = std::move(alignment->registration);
      score.roi_mask = std::move(alignment->common_mask);
      score.face = alignment->face;
      score.face_quarter_turns = alignment->face_quarter_turns;
      score.face_tilt_deg = alignment->face_tilt_deg;
      score.roi_path.clear();
    }
    alignment_block = std::move(alignment->block);
    alignment_warnings = std::move(alignment->warnings);
  } else if (options.align && entry.kind != CaptureKind::kBaseline) {
    alignment_block = {{"status", "no_baseline"},
                       {"message", "subject " + entry.subject + " has no baseline row"},
                       {"scored_on", "own_frame"}};
    alignment_warnings.push_back("no_baseline");
  } else {
    alignment_block = {{"status", options.align ? "is_baseline" : "not_requested"},
                       {"scored_on", "own_frame"}};
  }

  auto doc = ScoreLoadedImage(*image, score);
  if (!doc.ok()) {
    Fail(result.record, doc.error());
    return result;
  }

  // Privacy: paths relative to the manifest, no EXIF (camera, capture time) in batch outputs.
  json& input = (*doc)["input"];
  input["path"] = entry.image;
  input.erase("camera");
  input.erase("captured_at");
  (*doc)["manifest"] = manifest_block;
  (*doc)["alignment"] = std::move(alignment_block);
  json& warnings = (*doc)["warnings"];
  if (!warnings.is_array()) warnings = json::array();
  for (const std::string& w : alignment_warnings) warnings.push_back(w);
  if (!entry.lights.empty()) {
    warnings.push_back("surface_set_not_reconstructed_in_batch");
  }
  (*doc)["batch"] = {{"parameters_sha256", context.parameters_sha256},
                     {"baseline_sha256", baseline_key}};
  result.json_text = doc->dump(2) + "\n";
  result.record.status = BatchRowStatus::kOk;
  result.record.json = result.json_name;
  return result;
}

RowResult ProcessItem(const WorkItem& item, const RunContext& context) {
  if (item.rejected != nullptr) {
    const ManifestRejectedRow& bad = *item.rejected;
    RowResult result;
    result.record = RecordFor(bad.row, bad.line, bad.subject, bad.session, bad.image);
    Fail(result.record, BadInputError(bad.message));
    result.record.status = BatchRowStatus::kRejected;
    return result;
  }
  try {
    return ProcessEntry(item, context);
  } catch (const std::bad_alloc&) {
    RowResult result;
    result.record = RecordFor(item.entry->row, item.entry->line, item.entry->subject,
                              item.entry->session, item.entry->image);
    Fail(result.record, InternalError("out of memory while scoring " + item.entry->image +
                                      "; use fewer --jobs or a lower --max-megapixels"));
    return result;
  } catch (const std::exception& e) {
    // cv::Exception and CheckFailure: a bug, but one image must not stop the batch.
    RowResult result;
    result.record = RecordFor(item.entry->row, item.entry->line, item.entry->subject,
                              item.entry->session, item.entry->image);
    Fail(result.record, InternalError(std::string("unexpected error while scoring ") +
                                      item.entry->image + " (please report): " + e.what()));
    return result;
  }
}

// A killed run can leave the temporary files of atomic writes (".<name>.tmp-<pid>-<n>",
// core/base/atomic_file.cpp) behind; they are never results, so a new run removes them.
void RemoveStaleTempFiles(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos &&
        it->is_regular_file(ec)) {
      std::error_code remove_ec;
      fs::remove(it->path(), remove_ec);
    }
  }
}

}  // namespace

Status BatchOptions::Check() const {
  if (manifest.empty()) return UsageError("batch: no manifest given");
  if (out_dir.empty()) return UsageError("batch: no output folder given (-o OUT)");
  if (jobs < 1 || jobs > 256) return UsageError("batch: --jobs must be between 1 and 256");
  if (shard_count < 1 || shard_index < 1 || shard_index > shard_count) {
    return UsageError("batch: --shard must be I/N with 1 <= I <= N (e.g. 2/8)");
  }
  if (max_pixels <= 0) return UsageError("batch: the pixel limit must be positive");
  if (!(image_timeout_s >= 0)) {
    return UsageError("batch: --image-timeout must be 0 (no limit) or a positive number of seconds");
  }
  return registration.Check();
}

int ShardOfSubject(const std::string& subject, int shard_count) {
  SKT_CHECK(shard_count >= 1);
  const std::string digest = Sha256Hex(subject);
  const std::uint64_t value = std::stoull(digest.substr(0, 16), nullptr, 16);
  return static_cast<int>(value % static_cast<std::uint64_t>(shard_count)) + 1;
}

json BatchResultParameters(const BatchOptions& options) {
  const RegistrationOptions& r = options.registration;
  const char* calibrate = options.calibrate == CalibrateMode::kNone      ? "none"
                          : options.calibrate == CalibrateMode::kRequire ? "require"
                                                                         : "auto";
  return {{"tool_version", kToolVersion},
          {"git_commit", kGitCommit},
          {"calibrate", calibrate},
          {"chart_pitch_mm", options.chart_pitch_mm},
          {"align", options.align},
          // Follow-ups are measured on the common skin carried onto their own pixels (earlier
          // builds resampled them into the baseline's frame, or measured them on their own
          // mask); hashed so such results are rescored.
          {"follow_ups_measured_in", options.align ? "baseline_region" : "own_frame"},
          {"maps", options.maps},
          {"max_pixels", options.max_pixels},
          {"registration",
           {{"model", MotionModelName(r.model)},
            {"feature_max_side_px", r.feature_max_side_px},
            {"max_features", r.max_features},
            {"ratio_test", r.ratio_test},
            {"ransac_threshold_px", r.ransac_threshold_px},
            {"ecc_refine", r.ecc_refine},
            {"ecc_max_side_px", r.ecc_max_side_px},
            {"ecc_mask_margin_px", r.ecc_mask_margin_px},
            {"nonrigid", r.nonrigid},
            {"min_inliers", r.min_inliers}}}};
}

Result<BatchSummary> RunBatch(const BatchOptions& options) {
  SKT_RETURN_IF_ERROR(options.Check());
  const std::string started_at = NowUtc();
  const auto started = Clock::now();
  // Parsed under its file name only: row messages must not depend on where the study is mounted.
  std::error_code exists_ec;
  if (!fs::is_regular_file(options.manifest, exists_ec)) {
    return BadInputError(options.manifest.string() +
                         ": manifest not found (or not a file); give the path of a CSV with "
                         "subject,session,date,kind,image columns");
  }
  SKT_ASSIGN_OR_RETURN(std::string manifest_text, ReadFileBytes(options.manifest));
  const fs::path base_dir = options.manifest.has_parent_path() ? options.manifest.parent_path()
                                                               : fs::path(".");
  SKT_ASSIGN_OR_RETURN(Manifest manifest,
                       ParseManifest(manifest_text, base_dir,
                                     options.manifest.filename().string()));
  manifest.path = options.manifest;
  manifest_text.clear();
  manifest_text.shrink_to_fit();
  SKT_ASSIGN_OR_RETURN(std::string manifest_sha, Sha256OfFile(options.manifest));

  std::error_code ec;
  fs::create_directories(options.out_dir / "images", ec);
  if (ec) {
    return StorageError("cannot create " + (options.out_dir / "images").string() + ": " +
                        ec.message() + "; choose a writable -o folder");
  }

  RemoveStaleTempFiles(options.out_dir);
  RemoveStaleTempFiles(options.out_dir / "images");

  const json result_parameters = BatchResultParameters(options);
  // Enough slots for the subjects the workers and the reorder window span at once.
  BaselineCache baseline_cache(2 * static_cast<std::size_t>(options.jobs) + 2);
  RunContext context;
  context.options = &options;
  context.baselines = &baseline_cache;
  context.out_dir = options.out_dir;
  context.parameters_sha256 = Sha256Hex(result_parameters.dump());

  // Each subject's baseline: kind baseline, earliest date, then manifest order.
  std::unordered_map<std::string, const ManifestEntry*> baselines;
  for (const ManifestEntry& entry : manifest.entries) {
    if (entry.kind != CaptureKind::kBaseline) continue;
    const ManifestEntry*& best = baselines[entry.subject];
    if (best == nullptr || entry.date < best->date) best = &entry;
  }

  // This shard's rows in manifest order.
  std::vector<WorkItem> work;
  {
    std::size_t e = 0, r = 0;
    while (e < manifest.entries.size() || r < manifest.rejected.size()) {
      const bool take_entry =
          r >= manifest.rejected.size() ||
          (e < manifest.entries.size() && manifest.entries[e].row < manifest.rejected[r].row);
      WorkItem item;
      const std::string* subject = nullptr;
      if (take_entry) {
        item.entry = &manifest.entries[e++];
        subject = &item.entry->subject;
        const auto it = baselines.find(item.entry->subject);
        if (options.align && it != baselines.end() && it->second != item.entry) {
          item.baseline = it->second;
        }
      } else {
        item.rejected = &manifest.rejected[r++];
        subject = &item.rejected->subject;
      }
      if (ShardOfSubject(*subject, options.shard_count) == options.shard_index) {
        work.push_back(item);
      }
    }
  }

  // Per-row outcome records (small; the documents themselves are never all held).
  std::vector<BatchRowRecord> records(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    const WorkItem& item = work[i];
    if (item.entry != nullptr) {
      const ManifestEntry& entry = *item.entry;
      records[i] = RecordFor(entry.row, entry.line, entry.subject, entry.session, entry.image);
      records[i].date = entry.date;
      records[i].kind = CaptureKindName(entry.kind);
      records[i].region = entry.region;
    } else {
      const ManifestRejectedRow& bad = *item.rejected;
      records[i] = RecordFor(bad.row, bad.line, bad.subject, bad.session, bad.image);
    }
  }

  OpenCvThreadsGuard opencv_threads(1);
  TuneAllocatorForImages();
  KeepFreedImageBuffers();  // every image asks for the same buffers again
  const std::size_t window = 4 * static_cast<std::size_t>(options.jobs);
  std::mutex mutex;
  std::condition_variable written_cv;  // workers wait for the writer to move on
  std::condition_variable ready_cv;    // the writer waits for the next result
  std::map<std::size_t, RowResult> ready;  // reorder buffer, at most `window` entries
  std::size_t next_to_write = 0;
  std::atomic<std::size_t> next_to_take{0};
  std::atomic<bool> stop{false};
  int workers_left = options.jobs;

  auto worker = [&]() {
    for (;;) {
      if (stop.load()) break;
      const std::size_t index = next_to_take.fetch_add(1);
      if (index >= work.size()) break;
      {
        // Backpressure: do not start a row far ahead of the writer.
        std::unique_lock<std::mutex> lock(mutex);
        written_cv.wait(lock, [&] { return stop.load() || index < next_to_write + window; });
        if (stop.load()) break;
      }
      RowResult result = ProcessItem(work[index], context);
      std::lock_guard<std::mutex> lock(mutex);
      ready.emplace(index, std::move(result));
      ready_cv.notify_one();
    }
    std::lock_guard<std::mutex> lock(mutex);
    --workers_left;
    ready_cv.notify_one();
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(options.jobs));
  for (int i = 0; i < options.jobs; ++i) threads.emplace_back(worker);

  // The writer (this thread): results in manifest order.
  BatchSummary summary;
  summary.counts.manifest_rows = manifest.row_count;
  summary.counts.shard_rows = work.size();
  summary.parameters_sha256 = context.parameters_sha256;
  Progress progress(options.progress, work.size());
  std::unordered_map<std::string, std::size_t> json_owner;  // name -> manifest line
  std::size_t failed = 0;
  while (next_to_write < work.size()) {
    RowResult result;
    {
      std::unique_lock<std::mutex> lock(mutex);
      ready_cv.wait(lock, [&] {
        return ready.count(next_to_write) > 0 || workers_left == 0;
      });
      const auto it = ready.find(next_to_write);
      if (it == ready.end()) break;  // workers stopped (fail-fast)
      result = std::move(it->second);
      ready.erase(it);
    }
    BatchRowRecord& record = records[next_to_write];
    if (result.record.status == BatchRowStatus::kOk) {
      const auto [owner, inserted] = json_owner.emplace(result.json_name, record.line);
      if (!inserted) {
        Fail(result.record,
             BadInputError("line " + std::to_string(record.line) + ": image " + record.image +
                           " has the same content as the image on line " +
                           std::to_string(owner->second) +
                           " of the same subject and session; remove the duplicate row"));
        result.record.json.clear();
      } else if (!result.resumed) {
        const Status written = WriteFileAtomic(options.out_dir / result.json_name,
                                               result.json_text);
        if (!written.ok()) Fail(result.record, written.error());
      }
    }
    record = std::move(result.record);
    if (record.status == BatchRowStatus::kOk) {
      if (result.resumed) {
        ++summary.counts.resumed;
      } else {
        ++summary.counts.scored;
      }
    } else {
      ++failed;
      if (record.status == BatchRowStatus::kRejected) {
        ++summary.counts.rejected;
      } else {
        ++summary.counts.failed;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++next_to_write;
      if (options.fail_fast && record.status != BatchRowStatus::kOk) stop.store(true);
      written_cv.notify_all();
    }
    progress.Update(next_to_write, summary.counts.scored, failed, false);
    if (stop.load()) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop.store(true);
    written_cv.notify_all();
  }
  for (std::thread& t : threads) t.join();
  progress.Update(next_to_write, summary.counts.scored, failed, true);
  summary.counts.not_run = work.size() - next_to_write;
  for (std::size_t i = next_to_write; i < records.size(); ++i) {
    records[i].status = BatchRowStatus::kNotRun;
  }

  SKT_RETURN_IF_ERROR(WriteBatchTables(options.out_dir, records));
  summary.exit_code = BatchExitCode(records);

  json run = {{"schema", "skintrack.batch-run/1"},
              {"tool", {{"name", kToolName}, {"version", kToolVersion}, {"commit", kGitCommit}}}};
  run["manifest"] = {{"path", options.manifest.string()},
                     {"sha256", manifest_sha},
                     {"rows", manifest.row_count},
                     {"ignored_columns", manifest.ignored_columns}};
  run["parameters"] = result_parameters;
  run["parameters_sha256"] = context.parameters_sha256;
  run["run_options"] = {{"jobs", options.jobs},
                        {"resume", options.resume},
                        {"fail_fast", options.fail_fast},
                        {"image_timeout_s", options.image_timeout_s},
                        {"opencv_threads_per_job", 1}};
  run["shard"] = {{"index", options.shard_index}, {"count", options.shard_count}};
  run["platform"] = PlatformJson();
  run["started_at"] = started_at;
  run["finished_at"] = NowUtc();
  run["elapsed_s"] = std::chrono::duration<double>(Clock::now() - started).count();
  run["counts"] = {{"manifest_rows", summary.counts.manifest_rows},
                   {"shard_rows", summary.counts.shard_rows},
                   {"scored", summary.counts.scored},
                   {"resumed", summary.counts.resumed},
                   {"failed", summary.counts.failed},
                   {"rejected", summary.counts.rejected},
                   {"not_run", summary.counts.not_run}};
  run["exit_code"] = summary.exit_code;
  SKT_RETURN_IF_ERROR(WriteFileAtomic(options.out_dir / "run.json", run.dump(2) + "\n"));
  return summary;
}

}  // namespace skintrack::core

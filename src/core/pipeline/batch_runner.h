#pragma once
// Batch scoring of a whole study from a capture manifest (core/io/manifest.h): the engine behind
// `skintrack batch` (docs/BATCH.md).
//
// For every manifest row of this shard, in manifest order:
//   read file -> SHA-256 -> (--resume: skip when images/<name>.json already holds this input hash,
//   parameters hash, manifest fields and baseline hash) -> decode -> align to the subject's
//   baseline (follow-ups; core/registration) -> score (ScoreLoadedImage, follow-ups in the
//   baseline's frame) -> images/<name>.json,
// then the tables are built by streaming the per-image JSONs in manifest order
// (core/pipeline/batch_tables.h): scores.csv (long/tidy), scores_wide.csv, errors.csv, index.csv,
// and run.json with provenance.
//
// Baseline of a subject: its row of kind `baseline` with the earliest date (manifest order breaks
// ties). Every other accepted row of the subject is aligned to it (fixed = baseline, moving = this
// photo, inside the baseline's scoring mask) and the JSON gets an `alignment` block. When the
// alignment succeeds, the follow-up is measured on its own pixels and at its own scale, on the
// common region carried into its frame: the baseline's scoring mask (ScoringMask) inside the
// warped photo's footprint (and its own ROI), eroded by 2 px (DESIGN.md pipeline step 6; the
// photo is not resampled, see ScoreOptions::fixed_frame). A failed alignment (or an unusable
// baseline) is a warning ("alignment_failed", "baseline_unreadable", "baseline_failed"), never a
// failed image: the photo is then measured on its own mask (`alignment.scored_on` says which).
// Baselines are decoded and masked once per subject (a small shared cache), not once per
// follow-up.
//
// Concurrency: `jobs` workers take rows in manifest order (decode + align + score), and hand the
// results to one writer through a reorder buffer of at most `4 * jobs` results; a worker whose
// result is further ahead waits. Memory is therefore bounded by the jobs count, not by the number
// of images (per row only a small outcome record is kept). OpenCV's own thread pool is set to one
// thread for the duration of the run, so `--jobs N` uses N cores and results do not depend on N.
//
// Determinism: the outputs (except the times in run.json) are a function of the manifest, the
// images and the parameters: independent of `jobs`, of sharding (after batch-merge) and of
// interruption + `resume`. Every file is written atomically (temp + rename).
//
// Failures: a bad manifest row (core::Manifest::rejected), a missing/unreadable image or a failed
// analysis is recorded (errors.csv) and the batch goes on, unless `fail_fast`. Errors returned by
// RunBatch itself are whole-run failures: unreadable manifest (kBadInput), invalid options
// (kUsage), unwritable output folder (kStorage).
// Thread-safety: RunBatch may be called from one thread at a time (it sets OpenCV's thread count).
// Process-wide effect: with glibc it raises malloc's mmap and trim thresholds for the rest of the
// process, so that freed image buffers are reused instead of being page-faulted in again.

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/io/manifest.h"
#include "core/pipeline/score_pipeline.h"
#include "core/registration/registration.h"

namespace skintrack::core {

struct BatchOptions {
  std::filesystem::path manifest;  // the manifest CSV (required)
  std::filesystem::path out_dir;   // output folder, created when missing (required)
  int jobs = 1;                    // worker threads, 1..256 (default 1)
  bool resume = false;             // skip rows whose result already exists (see header)
  int shard_index = 1;             // this shard, 1..shard_count (default 1/1: everything)
  int shard_count = 1;
  bool fail_fast = false;          // stop at the first failed row
  bool align = true;               // align follow-ups to the subject's baseline
  bool maps = false;               // write per-pixel maps into OUT/maps/<name>/
  CalibrateMode calibrate = CalibrateMode::kAuto;
  double chart_pitch_mm = kClassicPatchPitchMm;  // the colour chart's patch pitch (scale)
  std::int64_t max_pixels = 100'000'000;  // per image, checked before decoding
  // Time budget per image in seconds (0: none), checked between pipeline stages: an image over it
  // fails with a "timed out" analysis error in errors.csv and the batch moves on. Not part of the
  // result parameters: it never changes a result, only whether one is produced.
  double image_timeout_s = 600;
  RegistrationOptions registration;       // for follow-up alignment
  // Progress lines go here (nullptr: silent). On a terminal a single line is rewritten with '\r'.
  std::FILE* progress = stderr;

  // kUsage naming the first invalid field.
  Status Check() const;
};

struct BatchCounts {
  std::size_t manifest_rows = 0;  // data rows in the manifest
  std::size_t shard_rows = 0;     // rows that belong to this shard
  std::size_t scored = 0;         // scored in this run
  std::size_t resumed = 0;        // skipped because an identical result existed
  std::size_t failed = 0;         // images that failed (load, analysis, duplicate content)
  std::size_t rejected = 0;       // manifest rows rejected before loading
  std::size_t not_run = 0;        // left out after --fail-fast stopped the run
};

struct BatchSummary {
  BatchCounts counts;
  std::string parameters_sha256;
  // 0 when every row succeeded; otherwise the exit code of the most telling failure: 2 when any
  // row was bad input, else 3 (analysis failed), else 4 (storage), else 5 (internal).
  int exit_code = 0;
};

// Which shard (1..shard_count) a subject belongs to: the first 8 bytes of SHA-256(subject) as a
// big-endian integer, modulo shard_count, plus 1. Same on every machine.
int ShardOfSubject(const std::string& subject, int shard_count);

// The parameters that change results (tool version and commit, calibration, alignment,
// registration options, maps, pixel limit) as canonical JSON; `parameters_sha256` hashes its dump.
nlohmann::json BatchResultParameters(const BatchOptions& options);

// Runs the batch. Returns the summary even when rows failed (see exit_code).
Result<BatchSummary> RunBatch(const BatchOptions& options);

}  // namespace skintrack::core

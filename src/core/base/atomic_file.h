#pragma once
// Crash-safe output files: data is written to a temporary file in the destination directory, flushed
// to disk and renamed over the destination, so a reader never sees a half-written file and an
// interrupted run leaves either the old file or the new one.
//
// Failures (directory missing, not writable, disk full) come back as ErrorCode::kStorage with the
// path in the message; the temporary file is removed.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "core/base/result.h"

namespace skintrack {

// Writes `bytes` to `path` atomically.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);

// Calls `write(temp_path)` to produce the file under a temporary name beside `path`, then renames it
// over `path`. Use this for writers that need a file name (cv::imwrite, cairo). `write` returns a
// Status; on failure nothing is renamed and the temporary file is deleted.
Status WriteViaTempFile(const std::filesystem::path& path,
                        const std::function<Status(const std::filesystem::path& temp_path)>& write);

// Largest file ReadFileBytes reads unless told otherwise (1 GiB, the image file-size limit).
inline constexpr std::int64_t kDefaultMaxReadBytes = std::int64_t{1} << 30;

// Reads a whole file; kBadInput when it is missing, unreadable, or larger than `max_bytes` (checked
// before reading, so a huge or endless file such as /dev/zero costs no memory).
Result<std::string> ReadFileBytes(const std::filesystem::path& path,
                                  std::int64_t max_bytes = kDefaultMaxReadBytes);

}  // namespace skintrack

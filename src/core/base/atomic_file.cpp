#include "core/base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

namespace skintrack {
namespace fs = std::filesystem;

namespace {

fs::path TempPathBeside(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  std::ostringstream name;
  name << "." << path.filename().string() << ".tmp-" << ::getpid() << "-" << counter++;
  // Keep the extension last so writers that choose a format by extension (cv::imwrite) still work.
  name << path.extension().string();
  return path.parent_path() / name.str();
}

Status SyncAndRename(const fs::path& temp, const fs::path& path) {
  const int fd = ::open(temp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return StorageError("cannot move the finished file into place at '" + path.string() +
                        "': " + ec.message());
  }
  return OkStatus();
}

}  // namespace

Status WriteViaTempFile(const fs::path& path,
                        const std::function<Status(const fs::path& temp_path)>& write) {
  const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    return StorageError("cannot write '" + path.string() + "': directory '" + parent.string() +
                        "' does not exist; create it or choose another output path");
  }
  const fs::path temp = TempPathBeside(path);
  Status status = write(temp);
  if (!status.ok()) {
    fs::remove(temp, ec);
    return status;
  }
  if (!fs::exists(temp, ec)) {
    return StorageError("writer produced no file for '" + path.string() + "'");
  }
  return SyncAndRename(temp, path);
}

Status WriteFileAtomic(const fs::path& path, std::string_view bytes) {
  return WriteViaTempFile(path, [&](const fs::path& temp) -> Status {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return StorageError("cannot create '" + temp.string() + "': " + std::strerror(errno) +
                          "; check that the output directory is writable");
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      return StorageError("write to '" + path.string() + "' failed (disk full?)");
    }
    return OkStatus();
  });
}

Result<std::string> ReadFileBytes(const fs::path& path, std::int64_t max_bytes) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return BadInputError("file not found: '" + path.string() + "'");
  }
  if (fs::is_directory(path, ec)) {
    return BadInputError("'" + path.string() + "' is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return BadInputError("cannot open '" + path.string() + "' for reading (permissions?)");
  // Read at most one byte past the limit: regular files, pipes and devices alike stop there.
  const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(max_bytes, 0));
  std::string bytes;
  const auto size = fs::file_size(path, ec);
  if (!ec) bytes.reserve(static_cast<std::size_t>(std::min<std::uintmax_t>(size, limit)));
  char chunk[1 << 16];
  while (in) {
    in.read(chunk, sizeof(chunk));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (bytes.size() + got > limit) {
      return BadInputError("file too large: '" + path.string() + "' is larger than " +
                           std::to_string(max_bytes) + " bytes, the limit for this kind of file");
    }
    bytes.append(chunk, got);
  }
  if (in.bad()) return BadInputError("read error in '" + path.string() + "'");
  return bytes;
}

}  // namespace skintrack

// Privacy and storage faults end to end (issue 12, docs/SECURITY.md), through the real binary:
//   - no command opens a network socket (each runs under a seccomp filter that kills the process
//     on any non-AF_UNIX socket);
//   - timelines, claims, batch outputs and reports carry no EXIF, GPS, photographer or real name
//     unless --identify is given; the store and its WAL files are owner-only;
//   - `db check` on sound, damaged and newer-schema files; a newer schema is refused by every
//     command and left untouched; a disk that fills up during import fails with exit 4 and keeps
//     every capture committed before.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <exiv2/exiv2.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/base/sha256.h"
#include "test_support/run_process.h"
#include "test_support/temp_dir.h"

namespace skintrack {
namespace {
namespace fs = std::filesystem;
using testing::ProcessResult;
using testing::RunProcess;

constexpr const char* kRealName = "Ada Lovelace-Byron";
constexpr const char* kPhotographer = "Dr Secret Clinic";

// A skin-like photo with GPS coordinates and the photographer's name in its EXIF.
void WritePhoto(const fs::path& path, int session) {
  cv::Mat image(300, 400, CV_8UC3);
  cv::RNG rng(11);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const double shade = 0.9 + 0.1 * std::sin(x / 37.0) * std::cos(y / 29.0);
      image.at<cv::Vec3b>(y, x) = {cv::saturate_cast<uchar>(122 * shade),
                                   cv::saturate_cast<uchar>(141 * shade),
                                   cv::saturate_cast<uchar>(196 * shade)};
    }
  }
  for (int i = 0; i < 50; ++i) {
    cv::circle(image, {rng.uniform(15, 385), rng.uniform(15, 285)}, std::max(1, 4 - session),
               cv::Scalar(70, 80, 120), cv::FILLED);
  }
  ASSERT_TRUE(cv::imwrite(path.string(), image, {cv::IMWRITE_JPEG_QUALITY, 90}));
  auto exif_image = Exiv2::ImageFactory::open(path.string());
  exif_image->readMetadata();
  Exiv2::ExifData exif;
  exif["Exif.GPSInfo.GPSLatitudeRef"] = "N";
  exif["Exif.GPSInfo.GPSLatitude"] = "48/1 51/1 24/1";
  exif["Exif.GPSInfo.GPSLongitudeRef"] = "E";
  exif["Exif.GPSInfo.GPSLongitude"] = "2/1 21/1 3/1";
  exif["Exif.Image.Artist"] = kPhotographer;
  exif["Exif.Photo.DateTimeOriginal"] = "2026:01:05 10:00:00";
  exif_image->setExifData(exif);
  exif_image->writeMetadata();
}

// Runs `skintrack ARGS` through limited_exec with the given restrictions.
ProcessResult RunLimited(const std::vector<std::string>& limits, const std::vector<std::string>& args) {
  std::vector<std::string> all = limits;
  all.push_back("--");
  all.push_back(testing::SkintrackBinary().string());
  all.insert(all.end(), args.begin(), args.end());
  return RunProcess(SKINTRACK_LIMITED_EXEC, all);
}

ProcessResult RunOffline(const std::vector<std::string>& args) {
  return RunLimited({"--no-network"}, args);
}

std::string Slurp(const fs::path& path) { return ReadFileBytes(path).value(); }

// Fails when `text` (an output named `what`) holds anything that must not leave the clinic.
void ExpectNoPrivateData(const std::string& text, const std::string& what) {
  for (const char* secret : {kRealName, kPhotographer, "GPS", "48/1 51/1", "Artist"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << what << " contains '" << secret << "'";
  }
}

// A PDF without the data of its embedded font programs (streams whose dictionary has /Length1,
// /Length2 or /Length3: TrueType and Type 1 font files). That data is compressed binary in which
// any three-byte string, "GPS" included, turns up by chance; photos, text and metadata are kept.
std::string WithoutEmbeddedFonts(const std::string& file) {
  if (file.rfind("%PDF", 0) != 0) return file;
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t start = file.find("stream\n", pos);
    if (start == std::string::npos) break;
    const std::size_t end = file.find("endstream", start);
    if (end == std::string::npos) break;
    const std::size_t dict = file.rfind(" obj", start);
    const std::string header =
        file.substr(dict == std::string::npos ? pos : dict, start - (dict == std::string::npos ? pos : dict));
    const bool font_program = header.find("/Length1") != std::string::npos ||
                              header.find("/Length2") != std::string::npos ||
                              header.find("/Length3") != std::string::npos;
    out.append(file, pos, start - pos);
    if (!font_program) out.append(file, start, end - start);
    out += "endstream";
    pos = end + std::string("endstream").size();
  }
  out.append(file, pos, std::string::npos);
  return out;
}

class PrivacyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dates[] = {"2026-01-05", "2026-02-02", "2026-04-27"};
    const char* kinds[] = {"baseline", "treatment", "follow-up"};
    std::string import_manifest = "subject,session,date,kind,image,display_name\n";
    std::string batch_manifest = "subject,session,date,kind,image\n";
    for (int i = 0; i < 3; ++i) {
      const std::string name = "visit" + std::to_string(i) + ".jpg";
      WritePhoto(dir_ / name, i);
      import_manifest += std::string("P042,s") + std::to_string(i) + "," + dates[i] + "," +
                         kinds[i] + "," + name + "," + kRealName + "\n";
      batch_manifest += std::string("P042,s") + std::to_string(i) + "," + dates[i] + "," +
                        kinds[i] + "," + name + "\n";
    }
    ASSERT_TRUE(WriteFileAtomic(dir_ / "import.csv", import_manifest).ok());
    ASSERT_TRUE(WriteFileAtomic(dir_ / "batch.csv", batch_manifest).ok());
    db_ = (dir_ / "study.db").string();
  }

  testing::TempDir dir_;
  std::string db_;
};

TEST_F(PrivacyCli, NoCommandOpensANetworkSocketOrLeaksPrivateData) {
  const mode_t old_umask = ::umask(022);  // a typical default: the store must not rely on it
  const ProcessResult imported = RunOffline({"import", (dir_ / "import.csv").string(), "--db", db_});
  ::umask(old_umask);
  ASSERT_EQ(imported.signal, 0) << "import opened a network socket (SIGSYS)";
  ASSERT_EQ(imported.exit_code, 0) << imported.err;

  // The store and its WAL companions are private to the user, whatever the umask.
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    if (::stat((db_ + suffix).c_str(), &st) != 0) continue;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << db_ + suffix;
  }

  struct Command {
    std::vector<std::string> args;
    fs::path output;  // a file to scan, or empty for stdout
  };
  const fs::path batch_out = dir_ / "batch_out";
  const std::vector<Command> commands = {
      {{"sessions", "--db", db_, "--json"}, {}},
      {{"timeline", "--db", db_, "--subject", "P042", "--json", "--chart",
        (dir_ / "chart.svg").string()},
       dir_ / "chart.svg"},
      {{"claims", "--db", db_, "--json"}, {}},
      {{"report", "--db", db_, "--subject", "P042", "-o", (dir_ / "report.html").string()},
       dir_ / "report.html"},
      {{"report", "--db", db_, "--subject", "P042", "-o", (dir_ / "report.pdf").string()},
       dir_ / "report.pdf"},
      {{"score", (dir_ / "visit0.jpg").string(), "--json", "--maps", (dir_ / "maps").string()}, {}},
      {{"batch", (dir_ / "batch.csv").string(), "-o", batch_out.string(), "--maps", "--quiet"}, {}},
      {{"db", "check", "--db", db_, "--json"}, {}},
  };
  for (const Command& command : commands) {
    const ProcessResult run = RunOffline(command.args);
    const std::string name = command.args[0];
    ASSERT_EQ(run.signal, 0) << name << " was killed: signal " << run.signal
                             << " (SIGSYS = a network socket)";
    EXPECT_EQ(run.exit_code, 0) << name << ": " << run.err;
    ExpectNoPrivateData(run.out, name + " stdout");
    if (command.output.extension() == ".pdf") {
      // PDF streams are compressed: scan the text poppler extracts (and the raw bytes).
      const ProcessResult text = RunProcess("/usr/bin/pdftotext", {command.output.string(), "-"});
      EXPECT_EQ(text.exit_code, 0) << text.err;
      EXPECT_NE(text.out.find("P042"), std::string::npos) << "pdftotext found no report text";
      ExpectNoPrivateData(text.out, "text of " + command.output.string());
    }
    if (!command.output.empty()) {
      ExpectNoPrivateData(WithoutEmbeddedFonts(Slurp(command.output)), command.output);
    }
  }

  // Every file the batch and the maps wrote: no private text, and images without EXIF.
  int images = 0;
  for (const fs::path& root : {batch_out, dir_ / "maps"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      const std::string bytes = Slurp(entry.path());
      const std::string ext = entry.path().extension().string();
      if (ext == ".png" || ext == ".jpg" || ext == ".tif" || ext == ".tiff") {
        ++images;
        auto image = Exiv2::ImageFactory::open(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                               static_cast<long>(bytes.size()));
        image->readMetadata();
        // A TIFF's own structure (size, compression) reads as Exif.Image tags; what must not be
        // there is anything from the camera or the photographer.
        for (const Exiv2::Exifdatum& datum : image->exifData()) {
          const std::string key = datum.key();
          EXPECT_TRUE(datum.groupName() != "GPSInfo" && datum.groupName() != "Photo" &&
                      key != "Exif.Image.Artist" && key != "Exif.Image.Make" &&
                      key != "Exif.Image.Model" && key != "Exif.Image.DateTime")
              << entry.path() << " carries " << key;
        }
      } else {
        ExpectNoPrivateData(bytes, entry.path().string());
      }
    }
  }
  EXPECT_GT(images, 0) << "no map image was written: the EXIF check proved nothing";

  // The real name appears only when asked for.
  const ProcessResult named = RunOffline({"report", "--db", db_, "--subject", "P042", "--identify",
                                          "-o", (dir_ / "named.html").string()});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_NE(Slurp(dir_ / "named.html").find(kRealName), std::string::npos);
}

TEST(SeccompFilter, KillsAProgramThatOpensANetworkSocket) {
  // The filter itself works: python's socket module is the simplest program that opens one; a
  // shell's /dev/tcp would need a listener. Skipped when python3 is absent.
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "python3 not installed";
  const ProcessResult run = RunProcess(
      SKINTRACK_LIMITED_EXEC,
      {"--no-network", "--", "/usr/bin/python3", "-c",
       "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM); print('opened')"});
  EXPECT_EQ(run.signal, SIGSYS) << run.out << run.err;
  const ProcessResult unix_socket = RunProcess(
      SKINTRACK_LIMITED_EXEC,
      {"--no-network", "--", "/usr/bin/python3", "-c",
       "import socket; socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); print('ok')"});
  EXPECT_EQ(unix_socket.exit_code, 0) << unix_socket.err;
}

// Regression (issue 12): an absurd --max-megapixels used to be converted to a pixel count
// unchecked (1e300 MP overflows int64: undefined behaviour); it is now a usage error.
TEST(LimitsCli, AbsurdMegapixelLimitIsAUsageError) {
  for (const char* value : {"1e300", "-5", "0", "nan"}) {
    const ProcessResult run =
        testing::RunSkintrack({"score", "missing.png", "--max-megapixels", value});
    EXPECT_EQ(run.exit_code, 1) << value << ": " << run.err;
  }
}

// ---- the store through the command line ----

int CountCaptures(const std::string& db) {
  const ProcessResult run = testing::RunSkintrack({"sessions", "--db", db, "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  int count = 0;
  const nlohmann::json doc = nlohmann::json::parse(run.out);
  for (const auto& subject : doc["subjects"]) {
    for (const auto& session : subject["sessions"]) count += session["captures"].get<int>();
  }
  return count;
}

void Sql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);
}

TEST_F(PrivacyCli, DbCheckReportsSoundAndDamagedFiles) {
  ASSERT_EQ(testing::RunSkintrack({"import", (dir_ / "import.csv").string(), "--db", db_}).exit_code,
            0);
  const ProcessResult sound = testing::RunSkintrack({"db", "check", "--db", db_});
  EXPECT_EQ(sound.exit_code, 0) << sound.err;
  EXPECT_NE(sound.out.find(": ok (schema version 2; 1 subjects, 3 sessions, 3 captures"),
            std::string::npos)
      << sound.out;

  Sql(db_, "PRAGMA foreign_keys = OFF; UPDATE scores SET capture_id = 77 WHERE id = 1;");
  const ProcessResult damaged = testing::RunSkintrack({"db", "check", "--db", db_, "--json"});
  EXPECT_EQ(damaged.exit_code, 4);
  const auto doc = nlohmann::json::parse(damaged.out);
  EXPECT_EQ(doc["schema"], "skintrack.db-check/1");
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["findings"][0]["check"], "foreign_keys");

  const ProcessResult missing =
      testing::RunSkintrack({"db", "check", "--db", (dir_ / "absent.db").string()});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  const ProcessResult usage = testing::RunSkintrack({"db"});
  EXPECT_EQ(usage.exit_code, 1);
}

TEST_F(PrivacyCli, NewerSchemaIsRefusedByEveryCommandAndLeftUntouched) {
  ASSERT_EQ(testing::RunSkintrack({"import", (dir_ / "import.csv").string(), "--db", db_}).exit_code,
            0);
  Sql(db_, "PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO schema_version(version) VALUES (9);"
           "PRAGMA wal_checkpoint(TRUNCATE);");
  const std::string before = Sha256Hex(Slurp(db_));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sessions", "--db", db_},
        {"import", (dir_ / "import.csv").string(), "--db", db_},
        {"timeline", "--db", db_, "--subject", "P042"},
        {"report", "--db", db_, "--subject", "P042", "-o", (dir_ / "r.html").string()},
        {"db", "check", "--db", db_}}) {
    const ProcessResult run = testing::RunSkintrack(args);
    EXPECT_EQ(run.exit_code, 4) << args[0] << ": " << run.err;
    EXPECT_NE((run.err + run.out).find("schema version 9"), std::string::npos)
        << args[0] << ": " << run.err << run.out;
  }
  EXPECT_EQ(Sha256Hex(Slurp(db_)), before) << "a newer database was modified";
  EXPECT_FALSE(fs::exists(dir_ / "r.html"));
}

TEST_F(PrivacyCli, DiskFullDuringImportExitsFourAndKeepsCommittedCaptures) {
  // Import the first capture normally, then the rest with a file-size limit just above the
  // current database: the import must fail with exit 4 and lose nothing committed.
  std::string first = "subject,session,date,kind,image\nP042,s0,2026-01-05,baseline,visit0.jpg\n";
  ASSERT_TRUE(WriteFileAtomic(dir_ / "first.csv", first).ok());
  ASSERT_EQ(testing::RunSkintrack({"import", (dir_ / "first.csv").string(), "--db", db_}).exit_code,
            0);
  Sql(db_, "PRAGMA wal_checkpoint(TRUNCATE);");
  const auto limit = fs::file_size(db_) + 4096;
  const ProcessResult full = RunLimited({"--file-size-limit", std::to_string(limit)},
                                        {"import", (dir_ / "import.csv").string(), "--db", db_});
  EXPECT_EQ(full.exit_code, 4) << full.err;
  EXPECT_NE(full.err.find("check free disk space"), std::string::npos) << full.err;
  EXPECT_EQ(testing::RunSkintrack({"db", "check", "--db", db_}).exit_code, 0);
  EXPECT_GE(CountCaptures(db_), 1);
  // With space again, the same import completes.
  const ProcessResult again =
      testing::RunSkintrack({"import", (dir_ / "import.csv").string(), "--db", db_});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(CountCaptures(db_), 3);
}

}  // namespace
}  // namespace skintrack

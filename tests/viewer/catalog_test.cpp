// Catalog sources (manifest, folders) and the settings file of the viewer.
#include "viewer/catalog.h"

#include <fstream>
#include <map>
#include <optional>

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"
#include "viewer/settings.h"
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_STORE)
#include "store/store.h"
#endif

namespace skintrack::viewer {
namespace {

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(ViewerCatalog, ReadsManifestSortedByDate) {
  testing::TempDir dir;
  WriteText(dir / "manifest.csv",
            "subject,session,date,kind,image\n"
            "s01,week8,2026-03-01,follow-up,img/b.png\n"
            "s01,base,2026-01-01,baseline,img/a.png\n"
            "s01,base,2026-01-01,baseline,\"img/a, repeat.png\"\n"
            "s02,base,2026-01-05,baseline,/abs/c.png\n");
  Result<Catalog> catalog = LoadCatalog(dir.path());
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  ASSERT_EQ(catalog->subjects.size(), 2u);
  const CatalogSubject& s01 = catalog->subjects[0];
  ASSERT_EQ(s01.sessions.size(), 2u);
  EXPECT_EQ(s01.sessions[0].id, "base");
  EXPECT_EQ(s01.sessions[0].kind, "baseline");
  ASSERT_EQ(s01.sessions[0].photos.size(), 2u);
  EXPECT_EQ(s01.sessions[0].photos[1].path, dir.path() / "img/a, repeat.png");
  EXPECT_EQ(s01.sessions[1].date, "2026-03-01");
  EXPECT_EQ(catalog->subjects[1].sessions[0].photos[0].path, "/abs/c.png");
}

TEST(ViewerCatalog, RefusesManifestWithoutImageColumn) {
  testing::TempDir dir;
  WriteText(dir / "m.csv", "subject,session,date\ns,1,2026-01-01\n");
  Result<Catalog> catalog = LoadManifestCatalog(dir / "m.csv");
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.error().code, ErrorCode::kBadInput);
  EXPECT_NE(catalog.error().message.find("m.csv"), std::string::npos);
}

TEST(ViewerCatalog, ReadsSubjectSessionFolders) {
  testing::TempDir dir;
  WriteText(dir / "p1" / "s2" / "x.jpg", "x");
  WriteText(dir / "p1" / "s1" / "y.PNG", "y");
  WriteText(dir / "p1" / "s1" / "notes.txt", "n");
  Result<Catalog> catalog = LoadCatalog(dir.path());
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  ASSERT_EQ(catalog->subjects.size(), 1u);
  ASSERT_EQ(catalog->subjects[0].sessions.size(), 2u);
  EXPECT_EQ(catalog->subjects[0].sessions[0].id, "s1");
  EXPECT_EQ(catalog->subjects[0].sessions[0].photos.size(), 1u);
}

TEST(ViewerCatalog, EmptyFolderIsBadInput) {
  testing::TempDir dir;
  Result<Catalog> catalog = LoadCatalog(dir.path());
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.error().code, ErrorCode::kBadInput);
}

TEST(ViewerCatalog, SavedManifestReadsBack) {
  testing::TempDir dir;
  Catalog catalog;
  catalog.subjects.push_back({"s", {{"b", "2026-01-01", "baseline", {{dir / "a.png", 12.5}}},
                                    {"t1", "2026-02-01", "treatment", {}}}});
  ASSERT_TRUE(SaveManifestCatalog(catalog, dir / "manifest.csv").ok());
  Result<Catalog> back = LoadManifestCatalog(dir / "manifest.csv");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->subjects.size(), 1u);
  // Sessions without photos have no manifest row.
  ASSERT_EQ(back->subjects[0].sessions.size(), 1u);
  EXPECT_EQ(back->subjects[0].sessions[0].photos[0].path, dir / "a.png");
  // The scale travels with the photo: scoring uses it instead of the chart's.
  EXPECT_EQ(back->subjects[0].sessions[0].photos[0].px_per_mm, std::optional<double>(12.5));
  EXPECT_TRUE(IsTreatmentKind("Treatment"));
  EXPECT_TRUE(IsTreatmentKind("microneedling"));
  EXPECT_FALSE(IsTreatmentKind("follow-up"));
}

#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_STORE)
// A capture imported without a scale but scored with a chart: the viewer scores it at the scale
// the stored score used (which `import --chart-pitch-mm` set), not by reading the chart again.
TEST(ViewerCatalog, DatabaseCapturesCarryTheScaleTheirScoresUsed) {
  testing::TempDir dir;
  const std::filesystem::path db_path = dir / "study.db";
  {
    auto db = store::Store::Open(db_path);
    ASSERT_TRUE(db.ok()) << db.error().message;
    const struct {
      const char* name;
      std::optional<double> row_scale;
      const char* calibration;
    } captures[] = {{"row.jpg", 12.5, R"({"px_per_mm": 40.0})"},
                    {"chart.jpg", std::nullopt, R"({"px_per_mm": 7.25, "method": "chart"})"},
                    {"none.jpg", std::nullopt, R"({"px_per_mm": null, "method": "none"})"},
                    {"broken.jpg", std::nullopt, "not json"}};
    int day = 1;
    for (const auto& c : captures) {
      store::SessionRecord session;
      session.label = std::string("s_") + c.name;
      session.started_at = "2026-01-0" + std::to_string(day++) + "T10:00:00";
      session.kind = "follow-up";
      store::CaptureRecord capture;
      capture.path = (dir / c.name).string();
      capture.sha256 = std::string(63, '0') + std::to_string(day);
      capture.px_per_mm = c.row_scale;
      capture.calibration_json = c.calibration;
      capture.alignment_json = "{}";
      capture.warnings_json = "[]";
      const auto added = db->ImportCapture({0, "P1", "", "", ""}, session, capture, {});
      ASSERT_TRUE(added.ok()) << added.error().message;
    }
  }
  auto catalog = LoadDatabaseCatalog(db_path);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  std::map<std::string, std::optional<double>> scales;
  for (const auto& subject : catalog->subjects) {
    for (const auto& session : subject.sessions) {
      for (const auto& photo : session.photos) scales[photo.path.filename().string()] = photo.px_per_mm;
    }
  }
  ASSERT_EQ(scales.size(), 4u);
  EXPECT_EQ(scales["row.jpg"], 12.5);  // the row's own scale wins
  EXPECT_EQ(scales["chart.jpg"], 7.25);
  EXPECT_FALSE(scales["none.jpg"].has_value());
  EXPECT_FALSE(scales["broken.jpg"].has_value());
}
#endif

TEST(ViewerSettings, RoundTripAndBadFile) {
  testing::TempDir dir;
  ViewerSettings settings;
  settings.difference_gain = 7.5f;
  settings.last_source = "/data/study.db";
  settings.chart_pitch_mm = 17.5;
  settings.same_light = true;
  ASSERT_TRUE(SaveSettings(dir / "cfg" / "viewer.json", settings).ok());
  Result<ViewerSettings> back = LoadSettings(dir / "cfg" / "viewer.json");
  ASSERT_TRUE(back.ok());
  EXPECT_FLOAT_EQ(back->difference_gain, 7.5f);
  EXPECT_DOUBLE_EQ(back->chart_pitch_mm, 17.5);
  EXPECT_TRUE(back->same_light);
  EXPECT_EQ(back->last_source, "/data/study.db");
  Result<ViewerSettings> missing = LoadSettings(dir / "none.json");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->window_width, 1600);
  EXPECT_FALSE(missing->same_light);  // colour without a chart is left out until the user says
  // A value that is not true or false keeps the default.
  EXPECT_FALSE(ParseSettings(R"({"same_light": "yes"})", "s.json")->same_light);
  WriteText(dir / "bad.json", "{not json");
  EXPECT_FALSE(LoadSettings(dir / "bad.json").ok());
}

// Regression (issue 12 fuzzing): a hand-edited or hostile settings file cannot make the viewer
// start a million threads, convert 1e30 to int (undefined behaviour) or use a NaN gain.
TEST(ViewerSettings, OutOfRangeValuesAreClamped) {
  auto odd = ParseSettings(R"({"window_width": 1e30, "window_height": -4, "worker_threads": 1000000,
                               "font_size_px": "big", "blink_period_s": 0, "overlay_alpha": 7,
                               "max_tile_px": 3, "difference_gain": -1e300})",
                           "odd.json");
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  const ViewerSettings defaults;
  EXPECT_EQ(odd->window_width, defaults.window_width);  // 1e30 is not an int: default kept
  EXPECT_EQ(odd->window_height, 240);
  EXPECT_EQ(odd->worker_threads, 64);
  EXPECT_FLOAT_EQ(odd->font_size_px, defaults.font_size_px);
  EXPECT_FLOAT_EQ(odd->blink_period_s, 0.05f);
  EXPECT_FLOAT_EQ(odd->overlay_alpha, 1.0f);
  EXPECT_EQ(odd->max_tile_px, 64);
  EXPECT_FLOAT_EQ(odd->difference_gain, defaults.difference_gain);
  // A chart pitch the scale cannot be read with falls back to the Classic's.
  for (const char* pitch : {"0", "-3", "1e9", "\"small\""}) {
    auto parsed = ParseSettings(std::string("{\"chart_pitch_mm\": ") + pitch + "}", "pitch.json");
    ASSERT_TRUE(parsed.ok());
    EXPECT_DOUBLE_EQ(parsed->chart_pitch_mm, 44.0) << pitch;
  }
  testing::TempDir dir;
  WriteText(dir / "huge.json", "{\"last_source\": \"" + std::string(2 << 20, 'x') + "\"}");
  const auto huge = LoadSettings(dir / "huge.json");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("file too large"), std::string::npos);
}

}  // namespace
}  // namespace skintrack::viewer

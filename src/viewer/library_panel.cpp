// Library panel: open a source, pick a subject, see its sessions (date, kind, thumbnail, capture
// warnings), choose the Before/After pair, add subjects, sessions and photos.
#include <algorithm>
#include <cstring>

#include <imgui.h>

#include "viewer/app.h"

namespace skintrack::viewer {

namespace {

const ImVec4 kWarningColour(0.95f, 0.75f, 0.30f, 1.0f);
const ImVec4 kErrorColour(1.00f, 0.45f, 0.42f, 1.0f);

struct LibraryInputs {
  char source[1024] = {};
  char subject[128] = {};
  char session[128] = {};
  char date[32] = {};
  char kind[64] = "follow-up";
  char photo[1024] = {};
};

LibraryInputs& Inputs() {
  static LibraryInputs inputs;  // UI thread only
  return inputs;
}

// Summarises a session's photos: worst state first (error, warnings, ok).
void SessionStatus(const App& app, const CatalogSession& session, int& errors, int& warnings,
                   const PhotoInfo*& first) {
  errors = 0;
  warnings = 0;
  first = nullptr;
  for (const CatalogPhoto& photo : session.photos) {
    auto it = app.photos.find(photo.path.string());
    if (it == app.photos.end()) continue;
    if (first == nullptr) first = &it->second;
    if (it->second.state == JobState::kFailed) ++errors;
    warnings += static_cast<int>(it->second.quality_warnings.size());
  }
}

}  // namespace

void DrawLibraryPanel(App& app) {
  LibraryInputs& in = Inputs();
  ImGui::TextDisabled("Database, manifest.csv or folder");
  ImGui::SetNextItemWidth(-70);
  ImGui::InputTextWithHint("##source", "path", in.source, sizeof(in.source));
  ImGui::SameLine();
  if (ImGui::Button("Open")) {
    const std::string path = in.source;
    const bool database = path.ends_with(".db") || path.ends_with(".sqlite");
    if (!path.empty()) app.OpenSource(path, database);
  }
  if (!app.catalog_loaded) {
    ImGui::Spacing();
    ImGui::TextWrapped("Open a skintrack database (--db), a manifest.csv (subject,session,date,"
                       "kind,image) or a folder of photos.");
    return;
  }

  ImGui::Separator();
  ImGui::Text("Subjects");
  if (ImGui::BeginListBox("##subjects", ImVec2(-1, ImGui::GetTextLineHeightWithSpacing() * 4.5f))) {
    for (const CatalogSubject& subject : app.catalog.subjects) {
      const std::string label =
          subject.id + "  (" + std::to_string(subject.sessions.size()) + " sessions)";
      if (ImGui::Selectable(label.c_str(), subject.id == app.subject_id)) {
        if (subject.id != app.subject_id) {
          const std::string id = subject.id;
          app.SelectSubject(id);
          break;  // the catalog may not change, but the selection did; redraw next frame
        }
      }
    }
    ImGui::EndListBox();
  }
  ImGui::SetNextItemWidth(-90);
  ImGui::InputTextWithHint("##new_subject", "new subject ID", in.subject, sizeof(in.subject));
  ImGui::SameLine();
  if (ImGui::Button("Add subject") && std::strlen(in.subject) > 0) {
    if (app.catalog.FindSubject(in.subject) != nullptr) {
      app.log.Error(std::string("subject ") + in.subject + " already exists");
    } else {
      app.catalog.subjects.push_back({in.subject, {}});
      app.log.Info(std::string("added subject ") + in.subject);
      app.SelectSubject(in.subject);
      in.subject[0] = '\0';
    }
  }

  const CatalogSubject* subject = app.CurrentSubject();
  if (subject == nullptr) return;
  ImGui::Separator();
  ImGui::Text("Sessions of %s", subject->id.c_str());
  const float thumb_h = 44.0f * ImGui::GetIO().FontGlobalScale;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  const float table_h = std::max(120.0f, ImGui::GetContentRegionAvail().y - 250.0f);
  if (ImGui::BeginTable("sessions", 3, flags, ImVec2(-1, table_h))) {
    ImGui::TableSetupColumn("photo", ImGuiTableColumnFlags_WidthFixed, thumb_h * 1.34f);
    ImGui::TableSetupColumn("session", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("pair", ImGuiTableColumnFlags_WidthFixed, 58.0f);
    for (const CatalogSession& session : subject->sessions) {
      ImGui::PushID(session.id.c_str());
      ImGui::TableNextRow(ImGuiTableRowFlags_None, thumb_h + 6);
      ImGui::TableNextColumn();
      int errors = 0, warnings = 0;
      const PhotoInfo* first = nullptr;
      SessionStatus(app, session, errors, warnings, first);
      if (first != nullptr && first->thumbnail.IsValid()) {
        // Shown with the face upright once the session's score says how it lies.
        const int turns = app.FaceQuarterTurns(session.id).value_or(0) % 4;
        float aspect = static_cast<float>(first->thumbnail.width()) /
                       static_cast<float>(std::max(1, first->thumbnail.height()));
        if (turns % 2 == 1) aspect = 1.0f / aspect;
        const ImVec2 size(thumb_h * std::min(aspect, 1.34f), thumb_h);
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::Dummy(size);
        // Screen corner i (top-left, clockwise) shows texture corner i - turns.
        const ImVec2 corners[4] = {ImVec2(0, 0), ImVec2(1, 0), ImVec2(1, 1), ImVec2(0, 1)};
        const auto uv = [&](int i) { return corners[(i - turns + 4) % 4]; };
        ImGui::GetWindowDrawList()->AddImageQuad(
            reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(first->thumbnail.id())), at,
            ImVec2(at.x + size.x, at.y), ImVec2(at.x + size.x, at.y + size.y),
            ImVec2(at.x, at.y + size.y), uv(0), uv(1), uv(2), uv(3));
      } else {
        ImGui::Dummy(ImVec2(thumb_h * 1.34f, thumb_h));
      }
      ImGui::TableNextColumn();
      const bool selected = app.selected_session == session.id;
      if (ImGui::Selectable(session.id.c_str(), selected)) app.selected_session = session.id;
      ImGui::TextDisabled("%s  %s", session.date.empty() ? "(no date)" : session.date.c_str(),
                          session.kind.c_str());
      if (errors > 0) {
        ImGui::TextColored(kErrorColour, "%d photo%s unreadable", errors, errors > 1 ? "s" : "");
      } else if (warnings > 0) {
        ImGui::TextColored(kWarningColour, "%d capture warning%s", warnings, warnings > 1 ? "s" : "");
      }
      ImGui::TableNextColumn();
      const bool is_before = app.before.session_id == session.id;
      const bool is_after = app.after_unaligned.session_id == session.id;
      if (is_before) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.25f, 0.50f, 0.65f, 1.0f));
      if (ImGui::SmallButton("Before")) {
        const std::string after = app.after_unaligned.session_id.empty()
                                      ? session.id
                                      : app.after_unaligned.session_id;
        app.SetComparison(session.id, after);
      }
      if (is_before) ImGui::PopStyleColor();
      if (is_after) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.25f, 0.50f, 0.65f, 1.0f));
      if (ImGui::SmallButton("After")) {
        const std::string before = app.before.session_id.empty() ? subject->sessions.front().id
                                                                 : app.before.session_id;
        app.SetComparison(before, session.id);
      }
      if (is_after) ImGui::PopStyleColor();
      ImGui::PopID();
    }
    ImGui::EndTable();
  }

  // Photos of the selected session with their capture-quality warnings.
  if (const CatalogSession* session = FindSession(*subject, app.selected_session)) {
    ImGui::Text("Photos of %s", session->id.c_str());
    for (const CatalogPhoto& photo : session->photos) {
      auto it = app.photos.find(photo.path.string());
      ImGui::BulletText("%s", photo.path.filename().string().c_str());
      if (it == app.photos.end()) continue;
      const PhotoInfo& info = it->second;
      if (info.state == JobState::kFailed) {
        ImGui::TextColored(kErrorColour, "  %s", info.error.c_str());
      } else if (info.state == JobState::kRunning) {
        ImGui::TextDisabled("  checking...");
      } else {
        ImGui::TextDisabled("  %d x %d px", info.width, info.height);
        for (const std::string& warning : info.quality_warnings) {
          ImGui::PushTextWrapPos(0);
          ImGui::TextColored(kWarningColour, "  ! %s", warning.c_str());
          ImGui::PopTextWrapPos();
        }
      }
    }
  }

  ImGui::Separator();
  if (ImGui::CollapsingHeader("Add session / photos")) {
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##session", "session ID", in.session, sizeof(in.session));
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
    ImGui::InputTextWithHint("##date", "YYYY-MM-DD", in.date, sizeof(in.date));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##kind", "kind", in.kind, sizeof(in.kind));
    if (ImGui::Button("Add session") && std::strlen(in.session) > 0) {
      CatalogSubject* editable = app.catalog.FindSubject(app.subject_id);
      if (FindSession(*editable, in.session) != nullptr) {
        app.log.Error(std::string("session ") + in.session + " already exists");
      } else {
        editable->sessions.push_back({in.session, in.date, in.kind, {}});
        SortSessions(app.catalog);
        app.selected_session = in.session;
        app.log.Info(std::string("added session ") + in.session + "; drop photos on the window");
        in.session[0] = '\0';
      }
    }
    ImGui::SetNextItemWidth(-60);
    ImGui::InputTextWithHint("##photo", "photo path", in.photo, sizeof(in.photo));
    ImGui::SameLine();
    if (ImGui::Button("Add") && std::strlen(in.photo) > 0) {
      app.AddPhotos({std::filesystem::path(in.photo)});
      in.photo[0] = '\0';
    }
    ImGui::TextDisabled("or drag photos from the desktop onto the window");
  }
}

}  // namespace skintrack::viewer

// Log panel: errors in red, warnings in amber, newest at the bottom, auto-scrolling.
#include "viewer/log_panel.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <imgui.h>

namespace skintrack::viewer {

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

namespace {

std::string NowUtc() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm_utc{};
  gmtime_r(&now, &tm_utc);
  char text[16];
  std::strftime(text, sizeof(text), "%H:%M:%S", &tm_utc);
  return text;
}

}  // namespace

void Log::Add(LogLevel level, std::string message) {
  std::fprintf(stderr, "skintrack-viewer: %s: %s\n", LogLevelName(level), message.c_str());
  std::lock_guard<std::mutex> lock(mutex_);
  if (level == LogLevel::kError) ++error_count_;
  entries_.push_back({level, NowUtc(), std::move(message)});
}

std::vector<LogEntry> Log::Entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_;
}

std::size_t Log::ErrorCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_count_;
}

void Log::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  error_count_ = 0;
}

void DrawLogPanel(Log& log) {
  if (ImGui::SmallButton("Clear")) log.Clear();
  ImGui::SameLine();
  ImGui::TextDisabled("%zu errors", log.ErrorCount());
  ImGui::Separator();
  ImGui::BeginChild("log_lines", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  for (const LogEntry& entry : log.Entries()) {
    ImVec4 colour(0.80f, 0.82f, 0.85f, 1.0f);
    if (entry.level == LogLevel::kWarning) colour = ImVec4(0.95f, 0.75f, 0.30f, 1.0f);
    if (entry.level == LogLevel::kError) colour = ImVec4(1.00f, 0.45f, 0.42f, 1.0f);
    ImGui::TextDisabled("%s", entry.time_utc.c_str());
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextWrapped("%s", entry.message.c_str());
    ImGui::PopStyleColor();
  }
  if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY()) ImGui::SetScrollHereY(1.0f);
  ImGui::EndChild();
}

}  // namespace skintrack::viewer

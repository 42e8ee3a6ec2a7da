// `skintrack sessions --db FILE [--subject ID]`: subjects and their sessions.
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/db_options.h"

namespace skintrack::cli {
namespace {

struct SessionsCommandOptions {
  std::string db;
  std::string subject;
  bool json = false;
};

int RunSessions(const SessionsCommandOptions& opts) {
  auto store = OpenStore(opts.db, /*must_exist=*/true);
  if (!store.ok()) return ReportError("sessions", store.error(), opts.json);
  auto subjects = store->ListSubjects();
  if (!subjects.ok()) return ReportError("sessions", subjects.error(), opts.json);
  nlohmann::json out = nlohmann::json::array();
  bool found = opts.subject.empty();
  for (const store::SubjectRecord& s : *subjects) {
    if (!opts.subject.empty() && s.code != opts.subject) continue;
    found = true;
    auto sessions = store->ListSessions(s.id);
    if (!sessions.ok()) return ReportError("sessions", sessions.error(), opts.json);
    nlohmann::json subject = {{"subject", s.code},
                              {"skin_type", s.skin_type},
                              {"arm", s.arm},
                              {"sessions", nlohmann::json::array()}};
    if (!opts.json) {
      std::cout << s.code << (s.arm.empty() ? "" : "  (" + s.arm + ")")
                << (s.skin_type.empty() ? "" : "  skin type " + s.skin_type) << "\n";
    }
    for (const store::SessionRecord& session : *sessions) {
      auto captures = store->CountCaptures(session.id);
      if (!captures.ok()) return ReportError("sessions", captures.error(), opts.json);
      subject["sessions"].push_back(
          {{"session", session.label},
           {"started_at", session.started_at},
           {"kind", session.kind},
           {"captures", *captures},
           {"device", session.device},
           {"needle_depth_mm",
            session.needle_depth_mm ? nlohmann::json(*session.needle_depth_mm) : nlohmann::json()},
           {"notes", session.notes}});
      if (!opts.json) {
        std::printf("  %-19s  %-20s  %-24s  %lld capture(s)%s\n", session.started_at.c_str(),
                    session.kind.c_str(), session.label.c_str(),
                    static_cast<long long>(*captures),
                    session.device.empty() ? "" : ("  " + session.device).c_str());
      }
    }
    out.push_back(subject);
  }
  if (!found) {
    return ReportError("sessions",
                       BadInputError("subject '" + opts.subject + "' is not in the store"),
                       opts.json);
  }
  if (opts.json) {
    nlohmann::json doc = JsonEnvelope("skintrack.sessions/1");
    doc["db"] = ResolveDbPath(opts.db).string();
    doc["subjects"] = out;
    PrintJson(doc);
  } else if (out.empty()) {
    std::cout << "no subjects yet; add photos with `skintrack import`\n";
  }
  return 0;
}

}  // namespace

CommandRun SetupSessionsCommand(CLI::App& root) {
  auto opts = std::make_shared<SessionsCommandOptions>();
  CLI::App* sub = root.add_subcommand("sessions", "List subjects and their sessions in the store");
  AddDbOption(sub, &opts->db);
  sub->add_option("--subject", opts->subject, "Only this subject");
  sub->add_flag("--json", opts->json, "Print the skintrack.sessions/1 JSON document on stdout");
  return [opts] { return RunSessions(*opts); };
}

}  // namespace skintrack::cli

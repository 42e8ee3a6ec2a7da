#pragma once
// Helpers shared by the subcommands: the JSON envelope, error reporting with documented exit
// codes, and atomic output writing.

#include <filesystem>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace skintrack::cli {

// {"schema": schema, "tool": {"name", "version", "commit"}} to which a command adds its fields.
nlohmann::json JsonEnvelope(std::string_view schema);

// Prints "skintrack <command>: error: <message>" on stderr (and, with `json`, a JSON error
// document on stdout) and returns the exit code for the error's category.
int ReportError(std::string_view command, const Error& error, bool json = false);

// Prints a JSON document on stdout, indented.
void PrintJson(const nlohmann::json& document);

// Writes a JSON document atomically to a file.
Status WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& document);

// Validator of the common `--max-megapixels` option of commands that read images: a number from
// 1e-6 to 1e6 MP, so that the limit always converts to a pixel count (1e300 or NaN would make the
// conversion undefined behaviour; CLI::Range alone lets NaN through, as NaN fails no comparison).
inline CLI::Validator MegapixelLimit() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        try {
          std::size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "'" + text + "' is not a number";
        } catch (const std::exception&) {
          return "'" + text + "' is not a number";
        }
        if (!(value >= 1e-6 && value <= 1e6)) {
          return "--max-megapixels must be between 1e-6 and 1e6, not " + text;
        }
        return std::string();
      },
      "MP in [1e-6, 1e6]");
}

// The `--chart-pitch-mm` option of commands that calibrate: the ColorChecker's patch
// centre-to-centre distance, from which the physical scale is taken. 44 mm is the Classic; a Mini,
// Nano or Passport is smaller, and taking it for a Classic would make every size several times
// too small. A number from 1 to 200 mm (NaN and infinity refused).
inline void AddChartPitchOption(CLI::App* sub, double* pitch_mm) {
  sub->add_option("--chart-pitch-mm", *pitch_mm,
                  "Patch centre-to-centre distance of the colour chart in mm (default 44, the "
                  "ColorChecker Classic; smaller for a Mini, Nano or Passport). The physical "
                  "scale is taken from it")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double value = 0;
            try {
              std::size_t used = 0;
              value = std::stod(text, &used);
              if (used != text.size()) return "'" + text + "' is not a number";
            } catch (const std::exception&) {
              return "'" + text + "' is not a number";
            }
            if (!(value >= 1 && value <= 200)) {
              return "--chart-pitch-mm must be between 1 and 200 mm, not " + text;
            }
            return std::string();
          },
          "mm in [1, 200]"));
}
}  // namespace skintrack::cli

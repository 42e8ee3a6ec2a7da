#pragma once
// Helpers shared by the subcommands: the JSON envelope, error reporting with documented exit
// codes, and atomic output writing.

#include <filesystem>
#include <string>
#include <string_view>

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

// Adds the common `--max-megapixels` option for commands that read images.
}  // namespace skintrack::cli

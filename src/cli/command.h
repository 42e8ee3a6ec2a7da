#pragma once
// How a subcommand plugs into `skintrack`.
//
// Each subcommand lives in its own file and provides `Setup<Name>Command(CLI::App& root)`, which adds
// the subcommand with its options (one options struct per subcommand) and returns a `CommandRun`:
// a function that runs it once the command line is parsed and returns the process exit code.
// main.cpp holds the table of all subcommands.

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace skintrack::cli {

// Runs the parsed subcommand; returns the process exit code (0 ok, 1 usage, 2 bad input,
// 3 analysis failed, 4 storage error, 5 internal error).
using CommandRun = std::function<int()>;

struct CommandEntry {
  const char* name;
  // Registers the subcommand on `root`; returns how to run it when it is the one selected.
  CommandRun (*setup)(CLI::App& root);
};

}  // namespace skintrack::cli

#pragma once
// Reads the numeric CSV tables in tests/data (header row, then comma-separated numbers).

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace skintrack::testing {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int Column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
  double Number(std::size_t row, const std::string& name) const {
    return std::stod(rows[row][static_cast<std::size_t>(Column(name))]);
  }
};

inline std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream stream(line);
  std::string cell;
  while (std::getline(stream, cell, ',')) cells.push_back(cell);
  return cells;
}

inline CsvTable ReadCsvTable(const std::string& path) {
  CsvTable table;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return table;
  table.header = SplitCsvLine(line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) table.rows.push_back(SplitCsvLine(line));
  }
  return table;
}

}  // namespace skintrack::testing

#include "viewer/shader_library.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skintrack::viewer {

namespace {

std::filesystem::path DiskShaderDir() {
  const char* env = std::getenv("SKINTRACK_SHADER_DIR");
  if (env != nullptr && *env != '\0') return env;
#ifndef NDEBUG
  return SKINTRACK_SHADER_SOURCE_DIR;
#else
  return {};
#endif
}

}  // namespace

Result<ShaderSource> FindShaderSource(const std::string& name) {
  const std::filesystem::path dir = DiskShaderDir();
  if (!dir.empty()) {
    std::ifstream in(dir / name, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      return ShaderSource{name, text.str(), (dir / name).string()};
    }
  }
  for (const EmbeddedShader& shader : EmbeddedShaders()) {
    if (name == shader.name) return ShaderSource{name, shader.text, "embedded"};
  }
  return InternalError("shader '" + name + "' is not embedded in this build");
}

}  // namespace skintrack::viewer

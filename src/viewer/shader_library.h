#pragma once
// GLSL sources of the viewer (shaders/*.vert|frag), embedded into the binary at build time by
// embed_shaders.cmake. Debug builds (NDEBUG undefined) read shaders/ from the source tree first, so
// a shader can be edited and reloaded (F5) without rebuilding; SKINTRACK_SHADER_DIR overrides the
// folder in any build. Files that cannot be read fall back to the embedded text.

#include <string>
#include <vector>

#include "core/base/result.h"

namespace skintrack::viewer {

struct EmbeddedShader {
  const char* name;  // file name, e.g. "compare.frag"
  const char* text;
};

// Defined in the generated embedded_shaders.cpp.
const std::vector<EmbeddedShader>& EmbeddedShaders();

struct ShaderSource {
  std::string name;
  std::string text;
  std::string origin;  // "embedded" or the file path it was read from
};

// The source of shader `name`; kInternal when no such shader is embedded.
Result<ShaderSource> FindShaderSource(const std::string& name);

}  // namespace skintrack::viewer

// Every shader in shaders/ must compile for GLSL 330 core with the reference compiler
// (glslangValidator from glslang-tools), independently of any GPU driver.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "test_support/photos.h"

namespace {

bool HaveProgram(const std::string& name) {
  return std::system(("command -v " + name + " > /dev/null 2>&1").c_str()) == 0;
}

TEST(ViewerShaders, CompileWithGlslangValidator) {
  if (!HaveProgram("glslangValidator")) {
    if (skintrack::testing::RunningUnderCi()) FAIL() << "glslangValidator is required in CI";
    GTEST_SKIP() << "install glslang-tools to check the shaders";
  }
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SKINTRACK_SHADER_DIR)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".vert" && ext != ".frag") continue;
    const std::string command = "glslangValidator '" + entry.path().string() + "' > /dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0) << entry.path() << " does not compile";
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(ViewerShaders, ValidatorRejectsABrokenShader) {
  // The check above must be able to fail: a shader with a type error is refused.
  if (!HaveProgram("glslangValidator")) GTEST_SKIP() << "glslangValidator not installed";
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("skintrack_broken_" + std::to_string(::getpid()) + ".frag");
  {
    FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("#version 330 core\nout vec4 o;\nvoid main() { o = vec3(1.0); }\n", file);
    std::fclose(file);
  }
  EXPECT_NE(std::system(("glslangValidator '" + path.string() + "' > /dev/null").c_str()), 0);
  std::filesystem::remove(path);
}

}  // namespace

#pragma once
// Move-only RAII wrappers for the few OpenGL 3.3 core objects the viewer uses.
//
// All functions must run on the UI thread with the GL context current. Failures (a shader that does
// not compile, an image type the GPU path does not handle) come back as Result errors whose message
// names the shader file and includes the driver's compile/link log.
//
// Texture uploads are counted (TextureUploadCount) so the viewer can prove that nothing is
// re-uploaded per frame: images are uploaded once, mip-mapped, and split into tiles when larger
// than the tile size (at most GL_MAX_TEXTURE_SIZE).

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <GL/gl.h>
#include <GL/glext.h>
#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::viewer {

// Number of texture uploads (glTexImage2D calls with pixel data) since start.
std::int64_t TextureUploadCount();

class Shader {
 public:
  Shader() = default;
  ~Shader();
  Shader(Shader&& other) noexcept;
  Shader& operator=(Shader&& other) noexcept;
  Shader(const Shader&) = delete;
  Shader& operator=(const Shader&) = delete;

  // Compiles and links a program from two shader sources (see shader_library.h).
  static Result<Shader> Build(const std::string& vertex_name, const std::string& fragment_name);

  bool IsValid() const { return program_ != 0; }
  const std::string& name() const { return name_; }
  void Use() const;
  // Uniform setters; unknown names are ignored (the driver may drop unused uniforms).
  void SetInt(const char* uniform, int value);
  void SetFloat(const char* uniform, float value);
  void SetVec2(const char* uniform, float x, float y);
  void SetVec3(const char* uniform, float x, float y, float z);
  void SetVec4(const char* uniform, float x, float y, float z, float w);
  // A 2×2 matrix given row by row: [[m00, m01], [m10, m11]].
  void SetMat2(const char* uniform, float m00, float m01, float m10, float m11);

 private:
  GLint Location(const char* uniform);
  void Release();

  GLuint program_ = 0;
  std::string name_;
  std::unordered_map<std::string, GLint> locations_;
};

class Texture {
 public:
  Texture() = default;
  ~Texture();
  Texture(Texture&& other) noexcept;
  Texture& operator=(Texture&& other) noexcept;
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  // Uploads `image` (CV_8UC3/CV_16UC3 BGR, CV_8UC1, CV_32FC1; may be a sub-matrix) once, with
  // mipmaps when `mipmapped`. Single-channel images are sampled as .r.
  static Result<Texture> Upload(const cv::Mat& image, bool mipmapped);

  bool IsValid() const { return id_ != 0; }
  GLuint id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  void Release();
  GLuint id_ = 0;
  int width_ = 0;
  int height_ = 0;
};

// An image split into a grid of tiles of at most `tile_px` square, each its own mipmapped texture.
// Tile (i, j) covers image pixels [i*tile_px, ...) x [j*tile_px, ...).
class TiledImage {
 public:
  static Result<TiledImage> Upload(const cv::Mat& image, int tile_px);

  bool IsValid() const { return !tiles_.empty(); }
  int width() const { return width_; }
  int height() const { return height_; }
  int tile_px() const { return tile_px_; }
  int columns() const { return columns_; }
  int rows() const { return rows_; }
  // nullptr outside the grid.
  const Texture* Tile(int column, int row) const;

 private:
  int width_ = 0;
  int height_ = 0;
  int tile_px_ = 0;
  int columns_ = 0;
  int rows_ = 0;
  std::vector<Texture> tiles_;
};

// An offscreen colour target the compare view renders into (then shown with ImGui::Image).
class Framebuffer {
 public:
  Framebuffer() = default;
  ~Framebuffer();
  Framebuffer(const Framebuffer&) = delete;
  Framebuffer& operator=(const Framebuffer&) = delete;

  // (Re)creates the target when the size changed. Returns false when the driver refuses it.
  bool EnsureSize(int width, int height);
  void Bind() const;
  static void BindDefault();
  GLuint colour_texture() const { return colour_; }
  int width() const { return width_; }
  int height() const { return height_; }
  // Reads the target as top-down BGR CV_8UC3 (for PNG export).
  cv::Mat ReadPixels() const;

 private:
  void Release();
  GLuint framebuffer_ = 0;
  GLuint colour_ = 0;
  int width_ = 0;
  int height_ = 0;
};

// The largest tile size to use: GL_MAX_TEXTURE_SIZE capped at 8192 (or `requested` when smaller).
int ChooseTilePx(int requested);

// Reads the default framebuffer (the window) as top-down BGR CV_8UC3.
cv::Mat ReadWindowPixels(int width, int height);

}  // namespace skintrack::viewer

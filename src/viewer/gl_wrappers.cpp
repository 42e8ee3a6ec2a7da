#include "viewer/gl_wrappers.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include <opencv2/core.hpp>

#include "viewer/shader_library.h"

namespace skintrack::viewer {

namespace {

std::atomic<std::int64_t> g_upload_count{0};

// Compiles one stage; the error names the file and carries the driver's log (as ImGui's
// CheckShader does), because "shader failed" alone is useless.
Result<GLuint> CompileStage(GLenum stage, const ShaderSource& source) {
  const GLuint shader = glCreateShader(stage);
  const char* text = source.text.c_str();
  glShaderSource(shader, 1, &text, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok != GL_TRUE) {
    GLint log_length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &log_length);
    std::string log(static_cast<std::size_t>(std::max(log_length, 1)), '\0');
    glGetShaderInfoLog(shader, log_length, nullptr, log.data());
    glDeleteShader(shader);
    return InternalError("shader " + source.name + " (" + source.origin +
                         ") failed to compile:\n" + log);
  }
  return shader;
}

}  // namespace

std::int64_t TextureUploadCount() { return g_upload_count.load(); }

// ---- Shader ----------------------------------------------------------------------------------

Shader::~Shader() { Release(); }

Shader::Shader(Shader&& other) noexcept
    : program_(std::exchange(other.program_, 0)),
      name_(std::move(other.name_)),
      locations_(std::move(other.locations_)) {}

Shader& Shader::operator=(Shader&& other) noexcept {
  if (this != &other) {
    Release();
    program_ = std::exchange(other.program_, 0);
    name_ = std::move(other.name_);
    locations_ = std::move(other.locations_);
  }
  return *this;
}

void Shader::Release() {
  if (program_ != 0) glDeleteProgram(program_);
  program_ = 0;
  locations_.clear();
}

Result<Shader> Shader::Build(const std::string& vertex_name, const std::string& fragment_name) {
  SKT_ASSIGN_OR_RETURN(const ShaderSource vertex_source, FindShaderSource(vertex_name));
  SKT_ASSIGN_OR_RETURN(const ShaderSource fragment_source, FindShaderSource(fragment_name));
  SKT_ASSIGN_OR_RETURN(const GLuint vertex, CompileStage(GL_VERTEX_SHADER, vertex_source));
  Result<GLuint> fragment = CompileStage(GL_FRAGMENT_SHADER, fragment_source);
  if (!fragment.ok()) {
    glDeleteShader(vertex);
    return fragment.error();
  }
  const GLuint program = glCreateProgram();
  glAttachShader(program, vertex);
  glAttachShader(program, *fragment);
  glLinkProgram(program);
  glDeleteShader(vertex);
  glDeleteShader(*fragment);
  GLint ok = GL_FALSE;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    GLint log_length = 0;
    glGetProgramiv(program, GL_INFO_LOG_LENGTH, &log_length);
    std::string log(static_cast<std::size_t>(std::max(log_length, 1)), '\0');
    glGetProgramInfoLog(program, log_length, nullptr, log.data());
    glDeleteProgram(program);
    return InternalError("shader program " + vertex_name + " + " + fragment_name +
                         " failed to link:\n" + log);
  }
  Shader shader;
  shader.program_ = program;
  shader.name_ = vertex_name + "+" + fragment_name;
  return shader;
}

void Shader::Use() const { glUseProgram(program_); }

GLint Shader::Location(const char* uniform) {
  auto it = locations_.find(uniform);
  if (it != locations_.end()) return it->second;
  const GLint location = glGetUniformLocation(program_, uniform);
  locations_.emplace(uniform, location);
  return location;
}

void Shader::SetInt(const char* uniform, int value) { glUniform1i(Location(uniform), value); }
void Shader::SetFloat(const char* uniform, float value) { glUniform1f(Location(uniform), value); }
void Shader::SetVec2(const char* uniform, float x, float y) { glUniform2f(Location(uniform), x, y); }
void Shader::SetVec3(const char* uniform, float x, float y, float z) {
  glUniform3f(Location(uniform), x, y, z);
}
void Shader::SetMat2(const char* uniform, float m00, float m01, float m10, float m11) {
  const float rows[4] = {m00, m01, m10, m11};
  glUniformMatrix2fv(Location(uniform), 1, GL_TRUE, rows);  // GL_TRUE: given row by row
}
void Shader::SetVec4(const char* uniform, float x, float y, float z, float w) {
  glUniform4f(Location(uniform), x, y, z, w);
}

// ---- Texture ---------------------------------------------------------------------------------

Texture::~Texture() { Release(); }

Texture::Texture(Texture&& other) noexcept
    : id_(std::exchange(other.id_, 0)),
      width_(std::exchange(other.width_, 0)),
      height_(std::exchange(other.height_, 0)) {}

Texture& Texture::operator=(Texture&& other) noexcept {
  if (this != &other) {
    Release();
    id_ = std::exchange(other.id_, 0);
    width_ = std::exchange(other.width_, 0);
    height_ = std::exchange(other.height_, 0);
  }
  return *this;
}

void Texture::Release() {
  if (id_ != 0) glDeleteTextures(1, &id_);
  id_ = 0;
}

Result<Texture> Texture::Upload(const cv::Mat& image, bool mipmapped) {
  if (image.empty()) return InternalError("cannot upload an empty image as a texture");
  GLint internal_format = GL_RGB8;
  GLenum format = GL_BGR;
  GLenum type = GL_UNSIGNED_BYTE;
  switch (image.type()) {
    case CV_8UC3: break;
    case CV_16UC3: internal_format = GL_RGB16; type = GL_UNSIGNED_SHORT; break;
    case CV_8UC4: internal_format = GL_RGBA8; format = GL_BGRA; break;
    case CV_8UC1: internal_format = GL_R8; format = GL_RED; break;
    case CV_32FC1: internal_format = GL_R32F; format = GL_RED; type = GL_FLOAT; break;
    default:
      return InternalError("texture upload: unsupported image type " + std::to_string(image.type()));
  }
  Texture texture;
  texture.width_ = image.cols;
  texture.height_ = image.rows;
  glGenTextures(1, &texture.id_);
  glBindTexture(GL_TEXTURE_2D, texture.id_);
  // Sub-matrices (tiles) are uploaded in place: the row length tells GL the parent's stride.
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, static_cast<GLint>(image.step[0] / image.elemSize()));
  glTexImage2D(GL_TEXTURE_2D, 0, internal_format, image.cols, image.rows, 0, format, type,
               image.data);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  ++g_upload_count;
  const bool linear_filter = image.depth() != CV_32F;  // maps keep exact values per pixel
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, linear_filter ? GL_LINEAR : GL_NEAREST);
  if (mipmapped) {
    glGenerateMipmap(GL_TEXTURE_2D);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER,
                    linear_filter ? GL_LINEAR_MIPMAP_LINEAR : GL_NEAREST_MIPMAP_NEAREST);
  } else {
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, linear_filter ? GL_LINEAR : GL_NEAREST);
  }
  glBindTexture(GL_TEXTURE_2D, 0);
  if (glGetError() != GL_NO_ERROR) {
    return InternalError("the GL driver refused a " + std::to_string(image.cols) + "x" +
                         std::to_string(image.rows) + " texture");
  }
  return texture;
}

// ---- TiledImage ------------------------------------------------------------------------------

Result<TiledImage> TiledImage::Upload(const cv::Mat& image, int tile_px) {
  if (image.empty()) return InternalError("cannot upload an empty image");
  if (tile_px < 16) return InternalError("tile size must be at least 16 pixels");
  TiledImage tiled;
  tiled.width_ = image.cols;
  tiled.height_ = image.rows;
  tiled.tile_px_ = tile_px;
  tiled.columns_ = (image.cols + tile_px - 1) / tile_px;
  tiled.rows_ = (image.rows + tile_px - 1) / tile_px;
  for (int row = 0; row < tiled.rows_; ++row) {
    for (int column = 0; column < tiled.columns_; ++column) {
      const cv::Rect cell(column * tile_px, row * tile_px,
                          std::min(tile_px, image.cols - column * tile_px),
                          std::min(tile_px, image.rows - row * tile_px));
      SKT_ASSIGN_OR_RETURN(Texture tile, Texture::Upload(image(cell), /*mipmapped=*/true));
      tiled.tiles_.push_back(std::move(tile));
    }
  }
  return tiled;
}

const Texture* TiledImage::Tile(int column, int row) const {
  if (column < 0 || row < 0 || column >= columns_ || row >= rows_) return nullptr;
  return &tiles_[static_cast<std::size_t>(row * columns_ + column)];
}

// ---- Framebuffer -----------------------------------------------------------------------------

Framebuffer::~Framebuffer() { Release(); }

void Framebuffer::Release() {
  if (framebuffer_ != 0) glDeleteFramebuffers(1, &framebuffer_);
  if (colour_ != 0) glDeleteTextures(1, &colour_);
  framebuffer_ = 0;
  colour_ = 0;
  width_ = 0;
  height_ = 0;
}

bool Framebuffer::EnsureSize(int width, int height) {
  if (width <= 0 || height <= 0) return false;
  if (framebuffer_ != 0 && width == width_ && height == height_) return true;
  Release();
  glGenTextures(1, &colour_);
  glBindTexture(GL_TEXTURE_2D, colour_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindTexture(GL_TEXTURE_2D, 0);
  glGenFramebuffers(1, &framebuffer_);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, colour_, 0);
  const bool complete = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  if (!complete) {
    Release();
    return false;
  }
  width_ = width;
  height_ = height;
  return true;
}

void Framebuffer::Bind() const { glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_); }
void Framebuffer::BindDefault() { glBindFramebuffer(GL_FRAMEBUFFER, 0); }

namespace {
cv::Mat ReadBoundPixels(int width, int height) {
  cv::Mat rgba(height, width, CV_8UC4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_BGRA, GL_UNSIGNED_BYTE, rgba.data);
  cv::Mat flipped;
  cv::flip(rgba, flipped, 0);  // GL rows run bottom-up
  cv::Mat bgr(height, width, CV_8UC3);
  const int from_to[] = {0, 0, 1, 1, 2, 2};
  cv::mixChannels(&flipped, 1, &bgr, 1, from_to, 3);
  return bgr;
}
}  // namespace

cv::Mat Framebuffer::ReadPixels() const {
  Bind();
  cv::Mat pixels = ReadBoundPixels(width_, height_);
  BindDefault();
  return pixels;
}

cv::Mat ReadWindowPixels(int width, int height) {
  Framebuffer::BindDefault();
  glReadBuffer(GL_BACK);
  return ReadBoundPixels(width, height);
}

int ChooseTilePx(int requested) {
  GLint max_size = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_size);
  int tile = std::min(static_cast<int>(max_size), 8192);
  if (requested > 0) tile = std::min(tile, requested);
  return std::max(tile, 16);
}

}  // namespace skintrack::viewer

#pragma once
// Checks for programmer errors (violated preconditions), not for bad user input.
//
// SKT_CHECK(cond) << "context"; throws skintrack::CheckFailure with file, line, the condition and
// the streamed context when `cond` is false. Use it for wrong cv::Mat types, out-of-range indices
// passed by our own code, broken invariants. Expected failures return Result/Status instead.

#include <sstream>
#include <stdexcept>
#include <string>

namespace skintrack {

class CheckFailure : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace internal {
// Collects the streamed message and throws from its destructor at the end of the full expression.
class CheckMessage {
 public:
  CheckMessage(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": check failed: " << condition;
  }
  CheckMessage(const CheckMessage&) = delete;
  CheckMessage& operator=(const CheckMessage&) = delete;
  [[noreturn]] ~CheckMessage() noexcept(false) { throw CheckFailure(stream_.str()); }
  template <typename T>
  CheckMessage& operator<<(const T& value) {
    if (first_) {
      stream_ << ": ";
      first_ = false;
    }
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
  bool first_ = true;
};
}  // namespace internal

}  // namespace skintrack

#define SKT_CHECK(condition) \
  if (condition) {           \
  } else                     \
    ::skintrack::internal::CheckMessage(__FILE__, __LINE__, #condition)

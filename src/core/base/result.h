#pragma once
// Error handling for the whole project.
//
// Expected failures (unreadable file, no chart, alignment did not converge, database locked) are
// returned as values: `Status` (success or an Error) and `Result<T>` (a T or an Error). Every Error
// carries a category (ErrorCode) that the command line maps to its documented exit code, and a
// message that says what was wrong and what the user can do about it.
//
// Programmer errors (a cv::Mat of the wrong type, a violated precondition) are not expected failures:
// they fail SKT_CHECK (core/base/check.h), which throws CheckFailure.
//
// Thread-safety: plain values; copy freely between threads.

#include <cassert>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace skintrack {

// Error categories. Each maps to one exit code of the `skintrack` command line (DESIGN.md).
enum class ErrorCode {
  kUsage = 1,           // bad command-line use or invalid option value
  kBadInput = 2,        // unreadable, corrupt, truncated, too large or malformed input file
  kAnalysisFailed = 3,  // input valid but analysis impossible (no chart, no skin, alignment failed)
  kStorage = 4,         // database or output storage failed (locked, corrupt, unwritable)
  kInternal = 5,        // a bug: an unexpected exception or violated invariant
};

// The process exit code documented for an error category.
constexpr int ExitCodeFor(ErrorCode code) { return static_cast<int>(code); }

// Short machine-readable name of a category ("bad_input", ...), used in JSON and errors.csv.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error UsageError(std::string message) { return {ErrorCode::kUsage, std::move(message)}; }
inline Error BadInputError(std::string message) { return {ErrorCode::kBadInput, std::move(message)}; }
inline Error AnalysisError(std::string message) {
  return {ErrorCode::kAnalysisFailed, std::move(message)};
}
inline Error StorageError(std::string message) { return {ErrorCode::kStorage, std::move(message)}; }
inline Error InternalError(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(error_.has_value());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

inline Status OkStatus() { return Status(); }

// A value of type T or an Error.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Error>, "Result<Error> is not meaningful");

 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(Status status) : data_(std::in_place_index<1>, status.error()) {  // NOLINT
    assert(!status.ok());
  }

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> data_;
};

namespace internal {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace skintrack

#define SKT_CONCAT_INNER(a, b) a##b
#define SKT_CONCAT(a, b) SKT_CONCAT_INNER(a, b)

// Returns the error from the enclosing function when `expr` (a Status or Result) failed.
#define SKT_RETURN_IF_ERROR(expr)                                           \
  do {                                                                      \
    auto skt_status_ = ::skintrack::internal::ToStatus(expr);               \
    if (!skt_status_.ok()) return ::skintrack::Error(skt_status_.error());  \
  } while (0)

// `SKT_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from the value or returns the error.
#define SKT_ASSIGN_OR_RETURN(lhs, expr) \
  SKT_ASSIGN_OR_RETURN_IMPL(SKT_CONCAT(skt_result_, __LINE__), lhs, expr)
#define SKT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return ::skintrack::Error(tmp.error()); \
  lhs = std::move(tmp).value()

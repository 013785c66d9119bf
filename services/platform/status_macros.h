#pragma once

// Abseil 20220623 has no status macros; these keep error paths one line long.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SKK_STATUS_CONCAT_INNER_(a, b) a##b
#define SKK_STATUS_CONCAT_(a, b) SKK_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function with the status of `expr` if it is not OK.
#define SKK_RETURN_IF_ERROR(expr)                   \
  do {                                              \
    if (::absl::Status skk_status_ = (expr);        \
        !skk_status_.ok()) {                        \
      return skk_status_;                           \
    }                                               \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status if not OK, else moves the value
// into `lhs` (which may be a declaration such as `auto x`).
#define SKK_ASSIGN_OR_RETURN(lhs, rexpr) \
  SKK_ASSIGN_OR_RETURN_IMPL_(SKK_STATUS_CONCAT_(skk_statusor_, __LINE__), lhs, rexpr)

#define SKK_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = std::move(statusor).value()

// For what cannot happen: crash loudly rather than limp on with corrupt state.
#define SKK_CHECK(cond, msg)                                                       \
  do {                                                                             \
    if (!(cond)) ::skk::internal::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (false)

namespace skk::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond, const char* msg);
}  // namespace skk::internal

#include "services/platform/status_macros.h"

#include <cstdio>
#include <cstdlib>

namespace skk::internal {

void CheckFailed(const char* file, int line, const char* cond, const char* msg) {
  std::fprintf(stderr, "FATAL %s:%d: check failed: %s: %s\n", file, line, cond, msg);
  std::fflush(stderr);
  std::abort();
}

}  // namespace skk::internal

// The staff console in a real browser (docs/console.md): Debian's Chromium, driven by
// playwright-core from Node, as an office PC, against the real gateway and services
// (tests/support/browser_run.h). Screenshots are kept in build/<kind>/browser-screens/<script>/.

#include <catch2/catch.hpp>

#include "tests/support/browser_run.h"

namespace skk::testing {
namespace {

TEST_CASE("console: an officer claims, asks, resolves with a proof photo, and another agency is "
          "refused",
          "[console]") {
  BrowserCity city("console_officer");
  city.Run("officer.mjs");
}

}  // namespace
}  // namespace skk::testing

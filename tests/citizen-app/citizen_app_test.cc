// The citizens' app in a real browser (docs/citizen-app.md): Debian's Chromium, driven by
// playwright-core from Node, on a phone's viewport, against the real gateway and services
// (tests/support/browser_run.h). Screenshots of every screen are kept in
// build/<kind>/browser-screens/<script>/.

#include <catch2/catch.hpp>

#include "tests/support/browser_run.h"

namespace skk::testing {
namespace {

TEST_CASE("citizen app: report with photos and GPS, answer the agency, rate and reopen",
          "[citizen-app]") {
  BrowserCity city("citizen_app_journey");
  city.Run("journey.mjs");
}

TEST_CASE("citizen app: a report written offline, and an upload cut mid-way, are stored once",
          "[citizen-app]") {
  BrowserCity city("citizen_app_offline");
  city.Run("offline.mjs");
}

TEST_CASE("citizen app: a KIM volunteer reports for a resident and hands the link over",
          "[citizen-app]") {
  BrowserCity city("citizen_app_assisted");
  city.Run("assisted.mjs");
}

TEST_CASE("citizen app: a report already filed nearby is offered with its photo before filing",
          "[citizen-app][duplicates]") {
  BrowserCity city("citizen_app_nearby");
  city.Run("nearby.mjs");
}

TEST_CASE("citizen app: a citizen follows a report found nearby instead of filing their own",
          "[citizen-app][duplicates]") {
  BrowserCity city("citizen_app_join");
  city.Run("join.mjs");
}

TEST_CASE("citizen app: refused input next to its field, and the rate limit with its retry",
          "[citizen-app]") {
  // The gateway takes 3 writes a minute from one address: the third report waits.
  BrowserCity city("citizen_app_refused", {"--address_write_limit=3"});
  city.Run("refused.mjs");
}

}  // namespace
}  // namespace skk::testing

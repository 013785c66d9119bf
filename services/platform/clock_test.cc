// ManualClock, FileClock and MakeClock: the business time every service is handed.

#include "services/platform/clock.h"

#include "services/platform/testing/test_env.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace skk {
namespace {

using testing::TempDir;

void WriteRaw(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err));
  return t;
}

TEST_CASE("a manual clock stays where a test puts it and moves only when told",
          "[clock]") {
  const absl::Time start = At("2026-03-02T09:00:00+07:00");
  ManualClock clock(start);
  CHECK(clock.Now() == start);
  CHECK(clock.Now() == start);

  clock.Advance(absl::Hours(24) * 7);
  CHECK(clock.Now() == start + absl::Hours(24) * 7);

  const absl::Time later = At("2026-12-31T23:59:59.5+07:00");
  clock.Set(later);
  CHECK(clock.Now() == later);
}

TEST_CASE("a file clock reads the time written to its file", "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  const absl::Time t = At("2026-03-02T09:00:00+07:00");
  REQUIRE(WriteClockFile(path, t).ok());

  FileClock clock(path);
  CHECK(clock.Now() == t);
  // Time stands still between writes.
  CHECK(clock.Now() == t);
}

TEST_CASE("a file clock sees each new time, even writes in quick succession", "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  const absl::Time start = At("2026-03-02T09:00:00+07:00");
  REQUIRE(WriteClockFile(path, start).ok());
  FileClock clock(path);
  REQUIRE(clock.Now() == start);

  // Same-length content, written faster than the file system's timestamp granularity.
  for (int i = 1; i <= 50; ++i) {
    const absl::Time t = start + absl::Hours(i);
    REQUIRE(WriteClockFile(path, t).ok());
    REQUIRE(clock.Now() == t);
  }
}

TEST_CASE("a file clock reads the latest of two writes made before it looked", "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  const absl::Time first = At("2026-03-02T09:00:00+07:00");
  const absl::Time second = At("2026-03-05T09:00:00+07:00");
  REQUIRE(WriteClockFile(path, first).ok());
  REQUIRE(WriteClockFile(path, second).ok());
  FileClock clock(path);
  CHECK(clock.Now() == second);
}

// A scenario that moves the clock twice (say +3 days, then +4 days) between two looks of a
// service must leave that service at the latest time. FileClock decides "unchanged" from the
// inode, size and mtime: renaming over the file frees the old inode, which ext4 hands out again
// on the next write, and all times are written with the same length. On a file system whose
// timestamps are coarser than the writes (1 s on ext3, on ext4 with 128-byte inodes, on many
// NFS mounts) the mtime is the same too; the test pins the mtime to show that case here.
TEST_CASE("a file clock sees the latest time after two writes made between two looks",
          "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  const absl::Time start = At("2026-03-02T09:00:00+07:00");
  FileClock clock(path);
  REQUIRE(WriteClockFile(path, start).ok());
  REQUIRE(clock.Now() == start);
  struct stat seen {};
  REQUIRE(::stat(path.c_str(), &seen) == 0);

  REQUIRE(WriteClockFile(path, start + absl::Hours(24) * 3).ok());
  const absl::Time latest = start + absl::Hours(24) * 7;
  REQUIRE(WriteClockFile(path, latest).ok());
  // All three writes landed within one timestamp tick.
  const struct timespec same_tick[2] = {seen.st_atim, seen.st_mtim};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), same_tick, 0) == 0);

  CHECK(clock.Now() == latest);
}

TEST_CASE("a file clock keeps its last time when the file holds garbage or disappears",
          "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  const absl::Time t = At("2026-03-02T09:00:00+07:00");
  REQUIRE(WriteClockFile(path, t).ok());
  FileClock clock(path);
  REQUIRE(clock.Now() == t);

  WriteRaw(path, "not a time at all, and longer than one\n");
  CHECK(clock.Now() == t);

  std::filesystem::remove(path);
  CHECK(clock.Now() == t);

  // And it picks up a good time again once one is written.
  const absl::Time later = t + absl::Hours(30);
  REQUIRE(WriteClockFile(path, later).ok());
  CHECK(clock.Now() == later);
}

TEST_CASE("a file clock accepts a hand-written time with a zone offset and whitespace",
          "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  WriteRaw(path, "  2026-03-02T09:00:00+07:00\n\n");
  FileClock clock(path);
  CHECK(clock.Now() == absl::FromCivil(absl::CivilSecond(2026, 3, 2, 2, 0, 0),
                                       absl::UTCTimeZone()));
}

TEST_CASE("the clock file keeps sub-second precision", "[clock]") {
  TempDir dir;
  const std::string path = dir.File("clock");
  const absl::Time t = At("2026-03-02T09:00:00.123456789+07:00");
  REQUIRE(WriteClockFile(path, t).ok());
  CHECK(FileClock(path).Now() == t);
}

TEST_CASE("writing the clock file into a missing directory is an error", "[clock]") {
  TempDir dir;
  const absl::Status st =
      WriteClockFile(dir.File("no-such-dir/clock"), At("2026-03-02T09:00:00Z"));
  CHECK(st.code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("MakeClock builds the real clock, or a file clock from an existing file",
          "[clock]") {
  SECTION("real") {
    auto clock = MakeClock("real");
    REQUIRE(clock.ok());
    const absl::Time before = absl::Now();
    const absl::Time now = (*clock)->Now();
    CHECK(now >= before);
    CHECK(now - before < absl::Seconds(10));
  }
  SECTION("file") {
    TempDir dir;
    const std::string path = dir.File("clock");
    const absl::Time t = At("2026-03-02T09:00:00+07:00");
    REQUIRE(WriteClockFile(path, t).ok());
    auto clock = MakeClock("file:" + path);
    REQUIRE(clock.ok());
    CHECK((*clock)->Now() == t);
    const absl::Time later = t + absl::Hours(1);
    REQUIRE(WriteClockFile(path, later).ok());
    CHECK((*clock)->Now() == later);
  }
}

TEST_CASE("MakeClock refuses a clock spec a service could not keep time with", "[clock]") {
  TempDir dir;
  SECTION("a missing file") {
    auto clock = MakeClock("file:" + dir.File("missing"));
    REQUIRE_FALSE(clock.ok());
    CHECK(clock.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(clock.status().message()), Catch::Contains(dir.File("missing")));
  }
  SECTION("a file without a time") {
    WriteRaw(dir.File("garbage"), "tomorrow-ish\n");
    auto clock = MakeClock("file:" + dir.File("garbage"));
    REQUIRE_FALSE(clock.ok());
    CHECK(clock.status().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("file: with no path") {
    auto clock = MakeClock("file:");
    REQUIRE_FALSE(clock.ok());
    CHECK(clock.status().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("an unknown kind") {
    auto clock = MakeClock("bogus");
    REQUIRE_FALSE(clock.ok());
    CHECK(clock.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(clock.status().message()), Catch::Contains("bogus"));
  }
}

}  // namespace
}  // namespace skk

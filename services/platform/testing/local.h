#pragma once

// What a test does on this machine besides talking to the test stack: find a port nothing
// listens on, run a command and read what it printed.

#include <string>

namespace skk::testing {

// A loopback port nothing listens on: bound by this process, then released. Connecting to it
// is refused at once; a server a test starts may be told to listen on it.
int ClosedPort();

// Runs `command` with /bin/sh and waits for it. Returns its exit code (-1 if it could not be
// started or did not exit normally) and fills `out` with its standard output (add " 2>&1" to
// `command` for its errors too). Never uses Catch2, so test support libraries may call it.
int RunCommand(const std::string& command, std::string* out);

}  // namespace skk::testing

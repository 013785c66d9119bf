#pragma once

// Staff passwords: Argon2id (libargon2) with OWASP's parameters (19 MiB, 2 passes, 1 lane),
// stored in Argon2's encoded form so the parameters can be raised later without invalidating
// stored hashes.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace skk::gateway {

// INVALID_ARGUMENT (field "new_password") unless 12 to 200 characters of valid UTF-8, not all
// the same character, and not containing the username.
absl::Status CheckNewPassword(absl::string_view password, absl::string_view username);

// The encoded Argon2id hash of `password` with a fresh random salt.
absl::StatusOr<std::string> HashPassword(absl::string_view password);

// True if `password` matches `encoded`; false for a mismatch or a malformed hash.
bool PasswordMatches(absl::string_view encoded, absl::string_view password);

// A random temporary password an administrator hands over (the account must change it).
std::string TemporaryPassword();

// `n` random bytes (OpenSSL's RAND_bytes).
std::string RandomBytes(int n);

// `bytes` random bytes as lowercase hex (OpenSSL's RAND_bytes).
std::string RandomHex(int bytes);

}  // namespace skk::gateway

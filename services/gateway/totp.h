#pragma once

// Time-based one-time passwords (RFC 6238) through Debian's liboath: 6 digits, 30-second
// steps, HMAC-SHA1, what every authenticator app speaks. The second factor of a staff sign-in
// (docs/staff-auth.md); every time is the service's clock.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace skk::gateway {

inline constexpr int kTotpDigits = 6;
inline constexpr absl::Duration kTotpStep = absl::Seconds(30);

// 20 random bytes (160 bits, RFC 4226's recommendation).
std::string NewTotpSecret();

// The secret as an authenticator app takes it by hand: RFC 4648 base32 without padding.
std::string TotpSecretText(const std::string& secret);

// The secret back from its text (what an authenticator app does); nullopt for bad base32.
std::optional<std::string> TotpSecretFromText(absl::string_view text);

// The otpauth:// URI an authenticator app reads from a QR code.
std::string TotpUri(absl::string_view issuer, absl::string_view account, const std::string& secret);

// The time step `code` belongs to, if it is the code of `now`'s step or of the step before or
// after (a phone's clock a little off); nullopt otherwise. A caller refuses a step it has
// already accepted, so a code overheard is worth nothing.
std::optional<int64_t> TotpStepOf(const std::string& secret, absl::Time now,
                                  absl::string_view code);

// The code of `at`'s step (what the app shows; tests use it).
std::string TotpCode(const std::string& secret, absl::Time at);

}  // namespace skk::gateway

#pragma once

// Hashes and secrets, on OpenSSL: a citizen's tracking token is random, shown once, and only
// its hash is stored.

#include <string>
#include <string_view>

namespace skk {

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Lowercase hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The signature of a webhook exchanged with a partner (docs/partners.md), both ways:
// "sha256=" and the hex HMAC-SHA256 of `timestamp` (Unix seconds, as sent in the
// X-Sambat-Timestamp header), a '.', and the exact body, under the shared secret. The
// timestamp inside the signature keeps a captured request from being replayed later.
std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body);

// Compares two strings in time that does not depend on where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace skk

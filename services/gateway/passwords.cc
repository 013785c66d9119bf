#include "services/gateway/passwords.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "services/platform/errors.h"
#include "services/platform/text.h"

namespace skk::gateway {
namespace {

constexpr uint32_t kPasses = 2;
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

std::string RandomBytes(int n) {
  std::string bytes(static_cast<size_t>(n), '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), n) != 1) std::abort();
  return bytes;
}

std::string RandomHex(int bytes) { return absl::BytesToHexString(RandomBytes(bytes)); }

absl::Status CheckNewPassword(absl::string_view password, absl::string_view username) {
  size_t chars = 0;
  if (!IsValidUtf8(std::string_view(password.data(), password.size()), &chars) || chars < 12 || chars > 200) {
    return InvalidFields({{"new_password", "must be 12 to 200 characters"}});
  }
  if (std::set<char>(password.begin(), password.end()).size() < 4) {
    return InvalidFields({{"new_password", "must not repeat the same few characters"}});
  }
  if (!username.empty() &&
      absl::StrContains(absl::AsciiStrToLower(password), absl::AsciiStrToLower(username))) {
    return InvalidFields({{"new_password", "must not contain the username"}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  const std::string salt = RandomBytes(kSaltBytes);
  const size_t length =
      argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  const int result = argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(),
                                           password.size(), salt.data(), salt.size(), kHashBytes,
                                           encoded.data(), encoded.size());
  if (result != ARGON2_OK) {
    return absl::InternalError(std::string("argon2: ") + argon2_error_message(result));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool PasswordMatches(absl::string_view encoded, absl::string_view password) {
  const std::string hash(encoded);  // argon2 wants it NUL-terminated
  return argon2id_verify(hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string TemporaryPassword() {
  // 15 random bytes: 20 characters of base64url, never all one character.
  return absl::WebSafeBase64Escape(RandomBytes(15));
}

}  // namespace skk::gateway

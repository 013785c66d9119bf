#include "services/gateway/totp.h"

#include <liboath/oath.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/gateway/passwords.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { SKK_CHECK(oath_init() == OATH_OK, "liboath initializes"); });
}

// Percent-encodes what an otpauth URI's label or parameter may not hold as it is.
std::string UriComponent(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))));
    }
  }
  return out;
}

}  // namespace

std::string NewTotpSecret() { return RandomBytes(20); }

std::string TotpSecretText(const std::string& secret) {
  InitOnce();
  char* encoded = nullptr;
  size_t length = 0;
  SKK_CHECK(oath_base32_encode(secret.data(), secret.size(), &encoded, &length) == OATH_OK,
            "base32 of a secret");
  std::string text(encoded, length);
  free(encoded);  // allocated by liboath
  return absl::StrReplaceAll(text, {{"=", ""}});
}

std::optional<std::string> TotpSecretFromText(absl::string_view text) {
  InitOnce();
  char* decoded = nullptr;
  size_t length = 0;
  if (oath_base32_decode(text.data(), text.size(), &decoded, &length) != OATH_OK) {
    return std::nullopt;
  }
  std::string secret(decoded, length);
  free(decoded);  // allocated by liboath
  return secret;
}

std::string TotpUri(absl::string_view issuer, absl::string_view account, const std::string& secret) {
  return absl::StrCat("otpauth://totp/", UriComponent(issuer), ":", UriComponent(account),
                      "?secret=", TotpSecretText(secret), "&issuer=", UriComponent(issuer),
                      "&digits=", kTotpDigits, "&period=", absl::ToInt64Seconds(kTotpStep));
}

std::optional<int64_t> TotpStepOf(const std::string& secret, absl::Time now,
                                  absl::string_view code) {
  InitOnce();
  if (code.size() != kTotpDigits) return std::nullopt;
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  const std::string otp(code);
  int position = 0;
  const time_t at = absl::ToTimeT(now);
  const int found = oath_totp_validate2(secret.data(), secret.size(), at,
                                        static_cast<unsigned>(absl::ToInt64Seconds(kTotpStep)), 0,
                                        1, &position, otp.c_str());
  if (found < 0) return std::nullopt;
  return at / absl::ToInt64Seconds(kTotpStep) + position;
}

std::string TotpCode(const std::string& secret, absl::Time at) {
  InitOnce();
  char code[kTotpDigits + 1] = {};
  SKK_CHECK(oath_totp_generate(secret.data(), secret.size(), absl::ToTimeT(at),
                               static_cast<unsigned>(absl::ToInt64Seconds(kTotpStep)), 0,
                               kTotpDigits, code) == OATH_OK,
            "a TOTP code");
  return code;
}

}  // namespace skk::gateway

#include "services/platform/dev_mode.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace skk {
namespace {

// SHA-256 of the DER public key of deploy/config/dev-jwt-public.pem
// (`openssl pkey -pubin -in dev-jwt-public.pem -outform DER | sha256sum`). A key is recognised
// by its bytes, not its file name or kid, so copying the file elsewhere does not hide it.
constexpr char kDevPublicKeyFingerprint[] =
    "2c0be9fc287343cf3f682beb9f68bc3b4adf080dedfa41403c71d05b385073c1";

std::string HowToMake(const std::string& name) {
  return absl::StrCat("give --", name, "_file (a file holding at least 32 random bytes; "
                      "deploy/make-secrets.sh makes every secret of a deployment), or start "
                      "with --dev for a local run; see docs/security.md");
}

}  // namespace

absl::StatusOr<std::string> LoadSecret(const SecretSource& source, bool dev) {
  if (!source.file.empty() && !source.value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", source.name, " and --", source.name, "_file are both given: pick one"));
  }
  std::string secret = source.value;
  if (!source.file.empty()) {
    std::ifstream in(source.file, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("--", source.name, "_file: cannot read ", source.file));
    }
    std::stringstream bytes;
    bytes << in.rdbuf();
    secret = bytes.str();
    // Editors and `kubectl create secret --from-file` keep a final newline; it is no part of it.
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  }
  if (secret.empty()) {
    if (dev) return source.dev_default;
    return absl::FailedPreconditionError(
        absl::StrCat("no ", source.name, " outside development mode: ", HowToMake(source.name)));
  }
  if (secret == source.dev_default && !dev) {
    return absl::FailedPreconditionError(absl::StrCat(
        source.name, " is the public development value, refused outside development mode: ",
        HowToMake(source.name)));
  }
  if (secret.size() < source.min_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(source.name, " has ", secret.size(),
                                                   " bytes; at least ", source.min_bytes,
                                                   " are needed"));
  }
  return secret;
}

absl::Status RefuseDevelopmentKeys(const TokenVerifier& verifier, bool dev) {
  if (dev) return absl::OkStatus();
  const std::vector<std::string> fingerprints = verifier.KeyFingerprints();
  if (std::find(fingerprints.begin(), fingerprints.end(), kDevPublicKeyFingerprint) !=
      fingerprints.end()) {
    return absl::FailedPreconditionError(
        "the city configuration trusts the repository's development staff-token key "
        "(deploy/config/dev-jwt-public.pem), whose private half is public: make a key pair of "
        "your own (deploy/make-secrets.sh) and name it in auth.public_keys, or start with --dev "
        "for a local run; see docs/security.md");
  }
  if (verifier.rules().max_lifetime > absl::Hours(24)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "auth.max_token_lifetime_minutes allows tokens of ",
        absl::FormatDuration(verifier.rules().max_lifetime),
        "; outside development mode at most 24 hours (a stolen token must die young)"));
  }
  return absl::OkStatus();
}

}  // namespace skk

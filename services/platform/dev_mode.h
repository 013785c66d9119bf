#pragma once

// Development mode and secrets. The repository ships secrets for local runs and tests (the
// staff-token key pair deploy/config/dev-jwt-*.pem, the tracking and queue-cursor secrets, the
// local stack's passwords); they are public, so a service that used them on a network would let
// anyone mint an admin token or open any citizen's complaint. A service therefore accepts them
// only when started with --dev (deploy/run.sh and the tests pass it), and otherwise refuses to
// start, naming the secret and how to make one (deploy/make-secrets.sh, docs/security.md).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/platform/auth.h"

namespace skk {

// Where one secret comes from: a file (preferred: a mounted Kubernetes Secret; nothing shows
// in `ps`), else the value itself (a flag or SKK_* environment variable), else, in development
// mode only, the repository's development value.
struct SecretSource {
  // (Every member has an initializer, so designated initializers may leave any out.)
  std::string name{};         // the flag, e.g. "tracking_secret"; its file flag is name + "_file"
  std::string value{};        // --<name>, may be empty
  std::string file{};         // --<name>_file, may be empty
  std::string dev_default{};  // the public development value
  size_t min_bytes = 32;    // shorter is refused: an HMAC key is only as strong as its secret
};

// The secret, read from the file (a trailing newline dropped) or taken from the value.
// FAILED_PRECONDITION, naming the flags and deploy/make-secrets.sh, when neither is given
// outside development mode or when the secret is the public development value outside
// development mode; NOT_FOUND for an unreadable file; INVALID_ARGUMENT for both given or a
// secret shorter than min_bytes.
absl::StatusOr<std::string> LoadSecret(const SecretSource& source, bool dev);

// FAILED_PRECONDITION when `verifier` trusts the repository's development public key and `dev`
// is false: the development private key is public, so anyone could mint tokens it accepts.
absl::Status RefuseDevelopmentKeys(const TokenVerifier& verifier, bool dev);

// The public development values, for the services' wiring and the tests.
inline constexpr char kDevTrackingSecret[] = "local-development-only-tracking-secret";
inline constexpr char kDevQueueCursorSecret[] = "local-development-only-queue-cursor-secret";
inline constexpr char kDevRateLimitSecret[] = "local-development-only-rate-limit-secret";
// The local text gateways' shared secret (deploy/config/dev-text-gateway.secret).
inline constexpr char kDevTextGatewaySecret[] = "local-development-only-text-gateway-secret";
// The local partners' shared secret and Open311 api_key (deploy/config/dev-partner.secret).
inline constexpr char kDevPartnerSecret[] = "local-development-only-partner-secret";
// The first administrator's password of a local run (it must be changed at first sign-in).
inline constexpr char kDevInitialAdminPassword[] = "admin-local-development-only";

}  // namespace skk

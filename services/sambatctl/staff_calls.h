#pragma once

// What sambatctl needs to act as staff: minting development tokens (`sambatctl token`) and
// sending the caller's token on calls to staff services.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace skk::sambatctl {

// A channel to a service at `address`: plaintext, or TLS when --tls_ca_file (the CA the
// service's certificate chains to) is given, presenting --tls_cert_file and --tls_key_file
// when the service requires a client certificate. Exits with a message on unreadable files.
std::shared_ptr<grpc::Channel> Dial(const std::string& address);

// Prepares every call to a staff service: "authorization: Bearer <token>" when a staff token is
// given (the --staff_token flag, else the SKK_STAFF_TOKEN environment variable; without one,
// the call goes out anonymous and a protected service answers UNAUTHENTICATED, which the
// command prints), and a deadline `timeout` from now (a command on a bad network never hangs).
void PrepareStaffCall(grpc::ClientContext& context, absl::Duration timeout = absl::Seconds(10));

// Prints a failed call as "<what>: <code> <message>" on stderr and returns exit code 1.
int CallFailed(const std::string& what, const grpc::Status& status);

// `sambatctl token --role R [--agency A] [--subject S] [--name N] [--valid_for 8h]
// [--issued_at now|clock|<RFC 3339>] [--city_config F]`: prints a token signed with the key of
// the city configuration's auth block, and nothing else (so TOKEN=$(sambatctl token ...) works).
// Returns the process exit code.
int MintToken(const std::vector<char*>& args);

}  // namespace skk::sambatctl

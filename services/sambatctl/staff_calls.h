#pragma once

// What sambatctl needs to act as staff: minting development tokens (`sambatctl token`) and
// sending the caller's token on calls to staff services.

#include <vector>

#include "grpcpp/grpcpp.h"

namespace sambatctl {

// Adds "authorization: Bearer <token>" to `context` when a staff token is given: the
// --staff_token flag, else the SKK_STAFF_TOKEN environment variable. Without one, the call goes
// out anonymous and a protected service answers UNAUTHENTICATED, which the command prints.
void AuthorizeAsStaff(grpc::ClientContext& context);

// `sambatctl token --role R [--agency A] [--subject S] [--name N] [--valid_for 8h]
// [--issued_at now|clock|<RFC 3339>] [--city_config F]`: prints a token signed with the key of
// the city configuration's auth block, and nothing else (so TOKEN=$(sambatctl token ...) works).
// Returns the process exit code.
int MintToken(const std::vector<char*>& args);

}  // namespace sambatctl

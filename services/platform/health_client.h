#pragma once

// Asks a service whether it serves, through gRPC's standard health service
// (grpc.health.v1.Health/Check for the whole server). Debian's gRPC ships no generated health
// stub, so the request and answer are the two-byte messages of health.proto.

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace skk {

// OK when the server answers SERVING within `timeout`; UNAVAILABLE naming what it answered
// instead (NOT_SERVING while it shuts down, or the call's error).
absl::Status CheckHealth(grpc::Channel& channel, absl::Duration timeout);

}  // namespace skk

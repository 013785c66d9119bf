#pragma once

// TLS for the services' gRPC: server credentials from certificate files, optionally requiring a
// client certificate signed by a given CA (mutual TLS between services, or between the gateway
// and the services), and the matching client credentials. Files are PEM, read once at start.
// Local runs and tests stay on loopback in plaintext (--dev); anywhere else a service refuses
// to serve plaintext unless told to (--grpc_plaintext, for a deployment whose mesh adds mTLS).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace skk {

struct TlsFiles {
  std::string cert_file{};  // this side's certificate chain
  std::string key_file{};   // its private key
  std::string ca_file{};    // server: CA that client certificates must chain to (mTLS);
                          // client: CA that the server's certificate must chain to
  bool empty() const { return cert_file.empty() && key_file.empty() && ca_file.empty(); }
};

// TLS server credentials; with `files.ca_file` every client must present a certificate that
// chains to it. INVALID_ARGUMENT when only one of cert and key is given or no cert at all
// (a CA alone is no server identity); NOT_FOUND for an unreadable file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const TlsFiles& files);

// Client credentials: plaintext when `files` is empty; otherwise TLS trusting `ca_file` (the
// system's roots when empty) and presenting cert and key when both are given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(const TlsFiles& files);

// Outside development mode the connections to PostgreSQL and RabbitMQ must be encrypted and
// the server verified: OK only for a PostgreSQL URI asking sslmode=verify-full or verify-ca
// and an amqps:// RabbitMQ URI. Otherwise FAILED_PRECONDITION naming the URI (never its
// password) and how to fix it. Redis is exempt: it holds only HMAC-keyed counters.
absl::Status RequireEncryptedServers(const std::string& pg_uri, const std::string& amqp_uri);

}  // namespace skk

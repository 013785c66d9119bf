#include "services/platform/tls.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/status_macros.h"

namespace skk {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the ", what, " ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const TlsFiles& files) {
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate and its key (--grpc_tls_cert_file, --grpc_tls_key_file)");
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  SKK_ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(files.cert_file, "TLS certificate"));
  SKK_ASSIGN_OR_RETURN(pair.private_key, ReadPem(files.key_file, "TLS key"));
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!files.ca_file.empty()) {
    SKK_ASSIGN_OR_RETURN(options.pem_root_certs, ReadPem(files.ca_file, "client CA"));
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const TlsFiles& files) {
  if (files.empty()) return grpc::InsecureChannelCredentials();
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError("a client certificate needs its key, and the key its certificate");
  }
  grpc::SslCredentialsOptions options;
  if (!files.ca_file.empty()) {
    SKK_ASSIGN_OR_RETURN(options.pem_root_certs, ReadPem(files.ca_file, "server CA"));
  }
  if (!files.cert_file.empty()) {
    SKK_ASSIGN_OR_RETURN(options.pem_cert_chain, ReadPem(files.cert_file, "client certificate"));
    SKK_ASSIGN_OR_RETURN(options.pem_private_key, ReadPem(files.key_file, "client key"));
  }
  return grpc::SslCredentials(options);
}

absl::Status RequireEncryptedServers(const std::string& pg_uri, const std::string& amqp_uri) {
  // sslmode may come as a URI query parameter or as a key=value connection string word.
  static const std::regex kVerified(R"((^|[?&\s])sslmode\s*=\s*verify-(full|ca)($|[&\s]))");
  std::vector<std::string> wrong;
  if (!std::regex_search(pg_uri, kVerified)) {
    wrong.push_back(
        "pg_uri: add sslmode=verify-full and sslrootcert=<the server's CA file> (or "
        "sslmode=verify-ca)");
  }
  if (!absl::StartsWith(amqp_uri, "amqps://")) {
    wrong.push_back("amqp_uri: use amqps://host:port?cacertfile=<the broker's CA file>");
  }
  if (wrong.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "connections to the servers would not be encrypted outside development mode: ",
      absl::StrJoin(wrong, "; "),
      "; or pass --servers_plaintext when the network itself encrypts (a mesh with mTLS); see "
      "docs/security.md"));
}

}  // namespace skk

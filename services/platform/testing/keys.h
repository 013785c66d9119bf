#pragma once

// Fresh key pairs for tests of staff tokens: a stranger's key, a rotated key, a key on the
// wrong curve. Made in memory by OpenSSL, never written to the repository.

#include <string>

namespace skk::testing {

struct KeyPair {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
};

// A new EC key pair on `curve` (OpenSSL's name: "prime256v1" is ES256's P-256).
KeyPair NewEcKeyPair(const std::string& curve = "prime256v1");

// A new RSA key pair of `bits`, for tests that an RS256 key is not taken for an ES256 one.
KeyPair NewRsaKeyPair(int bits = 2048);

}  // namespace skk::testing

#include "services/platform/testing/keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>

namespace skk::testing {
namespace {

std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

KeyPair Export(EVP_PKEY* key) {
  if (key == nullptr) throw std::runtime_error("key generation failed");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, &EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), &BIO_free);
  if (PEM_write_bio_PrivateKey(priv.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key) != 1) {
    throw std::runtime_error("cannot write the key as PEM");
  }
  return {Drain(priv.get()), Drain(pub.get())};
}

}  // namespace

KeyPair NewEcKeyPair(const std::string& curve) { return Export(EVP_EC_gen(curve.c_str())); }

KeyPair NewRsaKeyPair(int bits) {
  return Export(EVP_RSA_gen(static_cast<unsigned int>(bits)));
}

}  // namespace skk::testing

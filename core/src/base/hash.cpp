// Hasher over OpenSSL's EVP digest interface (hash.hpp).
#include "base/hash.hpp"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>

namespace khaosat::core::base {

namespace {

const EVP_MD* digest_of(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::Md5: return EVP_md5();
    case HashAlgorithm::Sha1: return EVP_sha1();
    case HashAlgorithm::Sha256: return EVP_sha256();
    case HashAlgorithm::Sha384: return EVP_sha384();
    case HashAlgorithm::Sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

struct Hasher::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

// The digests are always available in libcrypto's default provider; failing to set one up
// means memory is exhausted, which the core treats as fatal everywhere.
Hasher::Hasher(HashAlgorithm algorithm) : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (!state_->ctx || EVP_DigestInit_ex(state_->ctx, digest_of(algorithm), nullptr) != 1) std::abort();
}

Hasher::~Hasher() = default;

void Hasher::update(std::string_view bytes) {
  if (EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size()) != 1) std::abort();
}

std::string Hasher::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(state_->ctx, out, &n) != 1) std::abort();
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string hash_bytes(HashAlgorithm algorithm, std::string_view data) {
  Hasher h(algorithm);
  h.update(data);
  return h.finish();
}

std::string to_hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view data) { return to_hex(hash_bytes(HashAlgorithm::Sha256, data)); }

}  // namespace khaosat::core::base

// Message digests through OpenSSL's libcrypto (Debian's libssl-dev): one-shot and streaming.
// The ODK digest() function and the store (attachments by sha256, submission hashes) use them.
//
// Thread-safety: a Hasher is used from one thread; the free functions are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace khaosat::core::base {

enum class HashAlgorithm : std::uint8_t { Md5, Sha1, Sha256, Sha384, Sha512 };

// A digest computed over data given in pieces: update() any number of times, then finish().
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void update(std::string_view bytes);
  std::string finish();  // the raw digest bytes; the Hasher is spent afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string hash_bytes(HashAlgorithm algorithm, std::string_view data);  // raw digest bytes
std::string to_hex(std::string_view bytes);                               // lower case
std::string sha256_hex(std::string_view data);

}  // namespace khaosat::core::base

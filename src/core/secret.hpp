// Secrets (PINs, passphrases, key bytes) live in a SecretBuffer: zeroized when destroyed, moved but
// never copied by accident, compared in constant time.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace signet {

class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(std::string_view value) : data_(value) {}
  ~SecretBuffer() { wipe(); }

  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  SecretBuffer(SecretBuffer&& other) noexcept : data_(std::move(other.data_)) { other.wipe(); }
  SecretBuffer& operator=(SecretBuffer&& other) noexcept {
    if (this != &other) {
      wipe();
      data_ = std::move(other.data_);
      other.wipe();
    }
    return *this;
  }

  [[nodiscard]] const char* c_str() const noexcept { return data_.c_str(); }
  [[nodiscard]] std::string_view view() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return data_.size(); }
  [[nodiscard]] bool empty() const noexcept { return data_.empty(); }

  // Constant-time comparison (length is not secret).
  [[nodiscard]] bool equals(std::string_view other) const noexcept {
    return other.size() == data_.size() &&
           CRYPTO_memcmp(other.data(), data_.data(), data_.size()) == 0;
  }

 private:
  void wipe() noexcept {
    if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
    data_.clear();
    data_.shrink_to_fit();
  }
  std::string data_;
};

}  // namespace signet

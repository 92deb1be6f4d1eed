#include "crypto/ossl.hpp"

#include <openssl/err.h>

#include <array>

namespace signet::crypto {

std::string take_ossl_errors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  // Bounded: a pathological queue cannot grow the message without limit.
  for (int n = 0; n < 32; ++n) {
    const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
    if (code == 0) break;
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      out += " (";
      out += data;
      out += ')';
    }
  }
  ERR_clear_error();
  return out;
}

void clear_ossl_errors() noexcept { ERR_clear_error(); }

}  // namespace signet::crypto

#include "core/raw_public_key.hpp"

#include "core/base64.hpp"

namespace signet {

std::optional<RawPublicKey> parse_raw_public_key(std::string_view base64_line) {
  auto bytes = base64_decode(base64_line);
  if (!bytes || bytes->size() != 42 || (*bytes)[0] != 'E' || (*bytes)[1] != 'd') {
    return std::nullopt;
  }
  return RawPublicKey{Bytes(bytes->begin() + 2, bytes->begin() + 10),
                      Bytes(bytes->begin() + 10, bytes->end())};
}

std::string key_id_text(const Bytes& key_id) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (auto it = key_id.rbegin(); it != key_id.rend(); ++it) {
    out.push_back(kDigits[*it >> 4]);
    out.push_back(kDigits[*it & 0x0F]);
  }
  return out;
}

}  // namespace signet

// Fuzzes the semantic version parser (rollback = "version" reads the signed version) and checks
// that its order is a strict weak order on what it accepts: the input is split at the first NUL
// into two versions.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/semver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto split = text.find('\0');
  const auto a = signet::policy::SemVer::parse(text.substr(0, split));
  if (split == std::string_view::npos) return 0;
  const auto b = signet::policy::SemVer::parse(text.substr(split + 1));
  if (!a || !b) return 0;
  if ((*a <=> *a) != 0 || (*b <=> *b) != 0) std::abort();
  const auto ab = *a <=> *b;
  const auto ba = *b <=> *a;
  if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) std::abort();
  return 0;
}

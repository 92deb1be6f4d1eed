// Fuzzes policy::parse_policy on the input as TOML text (parse + whole-spec validation). The
// parser reads an operator-written file, but a policy may also arrive inside a trust bundle or a
// change ticket, so it is bounded like any other parser. Also checks that whatever parse_policy
// accepts passes validate_policy_spec again (the contract from_spec() relies on).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto spec = signet::policy::parse_policy(text);
  if (!spec) {
    if (spec.error().message.empty()) std::abort();  // every rejection must say why
    return 0;
  }
  if (!signet::policy::validate_policy_spec(*spec)) std::abort();
  return 0;
}

// Fuzzes validate::parse_plan on the input as TOML text: the toml_guard, the Field tables of the
// plan, and the whole-plan checks (identities, case applicability, kinds). Whatever it accepts
// must name only known cases and identities.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "validate/case_catalogue.hpp"
#include "validate/plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto plan = signet::validate::parse_plan(text);
  if (!plan) {
    if (plan.error().message.empty()) std::abort();  // every rejection must say why
    return 0;
  }
  for (const auto& point : plan->points) {
    if (plan->find_identity(point.publisher) == nullptr) std::abort();
    for (const auto& name : point.cases) {
      if (signet::validate::find_case(name) == nullptr) std::abort();
    }
    (void)signet::validate::cases_for(point);
  }
  return 0;
}

// The [telemetry] section of the policy file: read by parse_policy() through its top-level field
// table. Pure and fuzzed like the rest of the parser (standard library and header-only toml++).
#pragma once

#include "policy/policy.hpp"
#include "policy/toml_fields.hpp"

namespace signet::policy {

[[nodiscard]] Result<void> telemetry_section(const toml::node& node, const toml_fields::At& at,
                                             PolicySpec& out);

}  // namespace signet::policy

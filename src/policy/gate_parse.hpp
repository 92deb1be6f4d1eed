// The [gate] table and the [[guard]] array of the policy file (docs/exec-gate.md "Policy keys"):
// read by parse_policy() through its top-level field table. Pure and fuzzed like the rest of the
// parser (standard library and header-only toml++).
#pragma once

#include "policy/policy.hpp"
#include "policy/toml_fields.hpp"

namespace signet::policy {

[[nodiscard]] Result<void> gate_section(const toml::node& node, const toml_fields::At& at,
                                        PolicySpec& out);
[[nodiscard]] Result<void> guards_section(const toml::node& node, const toml_fields::At& at,
                                          PolicySpec& out);

}  // namespace signet::policy

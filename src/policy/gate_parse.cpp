// [gate] and [[guard]]: what the execution gate reads from the policy besides the rules.
#include "policy/gate_parse.hpp"

#include <string>
#include <utility>
#include <vector>

namespace signet::policy {
namespace {

using namespace toml_fields;  // NOLINT(google-build-using-namespace): the Field-table helpers

// Interpreters and tools are compared with /proc/PID/exe, which is always absolute.
template <class S, std::vector<std::string> S::*M, bool kNonEmpty>
Result<void> absolute_paths_field(const toml::node& node, const At& at, S& out) {
  auto values = read_strings(node, at, kNonEmpty);
  if (!values) return std::unexpected(std::move(values.error()));
  for (const auto& value : *values) {
    if (value.front() != '/') {
      return invalid(at, node, "must list absolute paths, not \"" + value + "\"");
    }
  }
  out.*M = std::move(*values);
  return {};
}

constexpr Field<GateSpec> kGateFields[] = {
    {"trust_bundles", false, strings_field<GateSpec, &GateSpec::trust_bundles, false>},
    {"interpreters", false, absolute_paths_field<GateSpec, &GateSpec::interpreters, false>},
};

Result<void> guard_class_field(const toml::node& node, const At& at, GuardSpec& out) {
  auto value = read_string(node, at);
  if (!value) return std::unexpected(std::move(value.error()));
  if (*value != "project-file") {
    return invalid(at, node, "must be \"project-file\", not \"" + *value + "\"");
  }
  out.artifact_class = std::move(*value);
  return {};
}

constexpr Field<GuardSpec> kGuardFields[] = {
    {"path", true, string_field<GuardSpec, &GuardSpec::path>},
    {"class", true, guard_class_field},
    {"tools", true, absolute_paths_field<GuardSpec, &GuardSpec::tools, true>},
};

}  // namespace

Result<void> gate_section(const toml::node& node, const At& at, PolicySpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) return invalid(at, node, "must be a table, not " + type_name(node));
  GateSpec spec;
  if (auto read = read_fields<GateSpec>(*table, "gate", kGateFields, spec); !read) return read;
  out.gate = std::move(spec);
  return {};
}

Result<void> guards_section(const toml::node& node, const At& at, PolicySpec& out) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return invalid(at, node, "must be an array of tables ([[guard]]), not " + type_name(node));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& table = *array->get(i)->as_table();
    const std::string where = "guard[" + std::to_string(i) + "]";
    GuardSpec guard;
    if (auto read = read_fields<GuardSpec>(table, where, kGuardFields, guard); !read) return read;
    out.guards.push_back(std::move(guard));
  }
  return {};
}

}  // namespace signet::policy

// Table-driven TOML readers shared by the policy parsers (policy_parse.cpp and the parsers of
// optional sections such as telemetry_parse.cpp): each table is read through a small table of
// Fields, so a new key is one line in the table it belongs to, and anything not listed is an
// unknown key. Pure and fuzzed: only the standard library and toml++ (header-only).
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

// Header-only, without exceptions, whatever the build passes: the tomlplusplus CMake package adds
// TOML_SHARED_LIB=1 and TOML_HEADER_ONLY=0 (its shared library is built with exceptions, so it has
// no toml::noex::parse) next to our TOML_HEADER_ONLY=1, and the fuzz build has no library at all.
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#undef TOML_EXCEPTIONS
#define TOML_EXCEPTIONS 0
// clang-format off
#include <toml++/toml.h>
// clang-format on

namespace signet::policy::toml_fields {

// ---- Places and errors ----------------------------------------------------------------------

inline std::string line_suffix(const toml::source_region& where) {
  return where.begin.line == 0 ? std::string() : " (line " + std::to_string(where.begin.line) + ")";
}

inline std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// The place of a value: the table it sits in ("rule[2] 'plc-line3'") and its key.
struct At {
  std::string_view where;
  std::string key;
};

inline std::unexpected<Error> invalid(const At& at, const toml::node& node,
                                      const std::string& what) {
  return fail(Errc::kPolicyInvalid,
              std::string(at.where) + ": '" + at.key + "' " + what + line_suffix(node.source()));
}

// ---- Scalar readers -------------------------------------------------------------------------

inline Result<std::string> read_string(const toml::node& node, const At& at) {
  const auto* value = node.as_string();
  if (value == nullptr) return invalid(at, node, "must be a string, not " + type_name(node));
  if (value->get().empty()) return invalid(at, node, "must not be empty");
  return value->get();
}

inline Result<std::vector<std::string>> read_strings(const toml::node& node, const At& at,
                                                     bool non_empty) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    return invalid(at, node, "must be an array of strings, not " + type_name(node));
  }
  if (non_empty && array->empty()) return invalid(at, node, "must not be empty");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto item = read_string(*array->get(i), At{at.where, at.key + "[" + std::to_string(i) + "]"});
    if (!item) return std::unexpected(std::move(item.error()));
    out.push_back(std::move(*item));
  }
  return out;
}

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

template <class E, std::size_t N>
Result<E> read_enum(const toml::node& node, const At& at, const EnumName<E> (&names)[N]) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  std::string choices;
  for (const auto& entry : names) {
    if (entry.name == *text) return entry.value;
    choices += (choices.empty() ? "\"" : ", \"") + std::string(entry.name) + "\"";
  }
  return invalid(at, node, "must be one of " + choices + ", not \"" + *text + "\"");
}

// ---- Field tables ---------------------------------------------------------------------------

template <class S>
struct Field {
  std::string_view key;
  bool required;
  Result<void> (*read)(const toml::node& node, const At& at, S& out);
};

template <class S>
Result<void> read_fields(const toml::table& table, std::string_view where,
                         std::span<const Field<S>> fields, S& out) {
  for (const auto& [key, node] : table) {
    const auto field = std::find_if(fields.begin(), fields.end(),
                                    [&](const Field<S>& f) { return f.key == key.str(); });
    if (field == fields.end()) {
      return fail(Errc::kPolicyInvalid, std::string(where) + ": unknown key '" +
                                            std::string(key.str()) + "'" +
                                            line_suffix(key.source()));
    }
    if (auto read = field->read(node, At{where, std::string(field->key)}, out); !read) return read;
  }
  for (const auto& field : fields) {
    if (field.required && !table.contains(field.key)) {
      return fail(Errc::kPolicyInvalid, std::string(where) + ": missing required key '" +
                                            std::string(field.key) + "'" +
                                            line_suffix(table.source()));
    }
  }
  return {};
}

template <class S, std::string S::*M>
Result<void> string_field(const toml::node& node, const At& at, S& out) {
  auto value = read_string(node, at);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = std::move(*value);
  return {};
}

template <class S, std::vector<std::string> S::*M, bool kNonEmpty>
Result<void> strings_field(const toml::node& node, const At& at, S& out) {
  auto value = read_strings(node, at, kNonEmpty);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = std::move(*value);
  return {};
}

template <class S, std::optional<std::vector<std::string>> S::*M, bool kNonEmpty>
Result<void> optional_strings_field(const toml::node& node, const At& at, S& out) {
  auto value = read_strings(node, at, kNonEmpty);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = std::move(*value);
  return {};
}

template <class S, bool S::*M>
Result<void> bool_field(const toml::node& node, const At& at, S& out) {
  const auto* value = node.as_boolean();
  if (value == nullptr) return invalid(at, node, "must be a boolean, not " + type_name(node));
  out.*M = value->get();
  return {};
}

template <class S, class T, T S::*M, const auto& kNames>
Result<void> enum_field(const toml::node& node, const At& at, S& out) {
  auto value = read_enum(node, at, kNames);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = *value;
  return {};
}

}  // namespace signet::policy::toml_fields

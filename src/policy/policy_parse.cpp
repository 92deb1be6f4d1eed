// parse_policy(): TOML text -> PolicySpec. Pure and fuzzed: only the standard library and toml++
// (header-only); no fmt, no OpenSSL, no file access. Each table is read through a small table of
// Fields, so a new key is one line in the table it belongs to, and anything not listed is an
// unknown key.
#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/raw_public_key.hpp"
#include "policy/policy.hpp"
#include "policy/subject_pattern.hpp"
#include "policy/toml_guard.hpp"

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

namespace signet::policy {
namespace {

// ---- Places and errors ----------------------------------------------------------------------

std::string line_suffix(const toml::source_region& where) {
  return where.begin.line == 0 ? std::string() : " (line " + std::to_string(where.begin.line) + ")";
}

std::string type_name(const toml::node& node) {
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

std::unexpected<Error> invalid(const At& at, const toml::node& node, const std::string& what) {
  return fail(Errc::kPolicyInvalid,
              std::string(at.where) + ": '" + at.key + "' " + what + line_suffix(node.source()));
}

// ---- Scalar readers -------------------------------------------------------------------------

Result<std::string> read_string(const toml::node& node, const At& at) {
  const auto* value = node.as_string();
  if (value == nullptr) return invalid(at, node, "must be a string, not " + type_name(node));
  if (value->get().empty()) return invalid(at, node, "must not be empty");
  return value->get();
}

Result<std::vector<std::string>> read_strings(const toml::node& node, const At& at,
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
constexpr EnumName<Mode> kModes[] = {{"enforce", Mode::kEnforce}, {"audit", Mode::kAudit}};
constexpr EnumName<VerifyTime> kVerifyTimes[] = {{"timestamp", VerifyTime::kTimestamp},
                                                 {"now", VerifyTime::kNow},
                                                 {"ignore-expiry", VerifyTime::kIgnoreExpiry}};

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

Result<void> subject_field(const toml::node& node, const At& at, PublisherSpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  if (auto pattern = SubjectPattern::parse(*text); !pattern) {
    return invalid(at, node, "is invalid: " + pattern.error().message);
  }
  out.subject = std::move(*text);
  return {};
}

Result<void> eku_field(const toml::node& node, const At& at, PublisherSpec& out) {
  auto names = read_strings(node, at, /*non_empty=*/false);
  if (!names) return std::unexpected(std::move(names.error()));
  for (const auto& name : *names) {
    if (!policy_eku_oid(name)) {
      return invalid(at, node,
                     "names unknown EKU '" + name +
                         "' (use a known name such as codeSigning, or a dotted OID)");
    }
  }
  out.eku = std::move(*names);
  return {};
}

constexpr Field<TrustStoreSpec> kTrustStoreFields[] = {
    {"anchors", true, strings_field<TrustStoreSpec, &TrustStoreSpec::anchors, true>},
    {"crls", false, strings_field<TrustStoreSpec, &TrustStoreSpec::crls, false>},
    {"tsa_anchors", false,
     optional_strings_field<TrustStoreSpec, &TrustStoreSpec::tsa_anchors, true>},
    {"allow_partial_chain", false,
     bool_field<TrustStoreSpec, &TrustStoreSpec::allow_partial_chain>},
    {"verify_time", false,
     enum_field<TrustStoreSpec, VerifyTime, &TrustStoreSpec::verify_time, kVerifyTimes>},
};

// minisign_key / signify_key: the base64 "RW..." line of a .pub file.
template <std::optional<std::string> PublisherSpec::*M>
Result<void> public_key_field(const toml::node& node, const At& at, PublisherSpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  if (!parse_raw_public_key(*text)) {
    return invalid(at, node, "is not a minisign/signify public key (the base64 \"RW...\" line)");
  }
  out.*M = std::move(*text);
  return {};
}

// store + subject, or one of the keys: validate_policy_spec() checks the combination.
constexpr Field<PublisherSpec> kPublisherFields[] = {
    {"store", false, string_field<PublisherSpec, &PublisherSpec::store>},
    {"subject", false, subject_field},
    {"eku", false, eku_field},
    {"minisign_key", false, public_key_field<&PublisherSpec::minisign_key>},
    {"signify_key", false, public_key_field<&PublisherSpec::signify_key>},
};

Result<void> rule_mode_field(const toml::node& node, const At& at, RuleSpec& out) {
  auto value = read_enum(node, at, kModes);
  if (!value) return std::unexpected(std::move(value.error()));
  out.mode = *value;
  return {};
}

constexpr Field<RuleSpec> kRuleFields[] = {
    {"id", true, string_field<RuleSpec, &RuleSpec::id>},
    {"class", true, string_field<RuleSpec, &RuleSpec::artifact_class>},
    {"target", false, string_field<RuleSpec, &RuleSpec::target>},
    {"publishers", true, strings_field<RuleSpec, &RuleSpec::publishers, true>},
    {"require_timestamp", false, bool_field<RuleSpec, &RuleSpec::require_timestamp>},
    {"mode", false, rule_mode_field},
};

// ---- Sections -------------------------------------------------------------------------------

// [SECTION.NAME] tables, returned in file order (toml++ keeps keys sorted).
template <class S, std::vector<S> PolicySpec::*M, const auto& kFields>
Result<void> named_section(const toml::node& node, const At& at, PolicySpec& out) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    return invalid(at, node,
                   "must be a table of [" + at.key + ".NAME] tables, not " + type_name(node));
  }
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, value] : *table) entries.emplace_back(&key, &value);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  for (const auto& [key, value] : entries) {
    const std::string where = at.key + " '" + std::string(key->str()) + "'";
    if (key->str().empty()) {
      return fail(Errc::kPolicyInvalid, at.key + ": empty name" + line_suffix(key->source()));
    }
    const auto* fields = value->as_table();
    if (fields == nullptr) {
      return fail(Errc::kPolicyInvalid, where + " must be a table, not " + type_name(*value) +
                                            line_suffix(value->source()));
    }
    S spec;
    spec.name = std::string(key->str());
    if (auto read = read_fields<S>(*fields, where, kFields, spec); !read) return read;
    (out.*M).push_back(std::move(spec));
  }
  return {};
}

Result<void> rules_section(const toml::node& node, const At& at, PolicySpec& out) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return invalid(at, node, "must be an array of tables ([[rule]]), not " + type_name(node));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& table = *array->get(i)->as_table();
    std::string where = "rule[" + std::to_string(i) + "]";
    if (const auto* id = table.get("id"); id != nullptr && id->is_string()) {
      where += " '" + id->as_string()->get() + "'";
    }
    RuleSpec rule;
    if (auto read = read_fields<RuleSpec>(table, where, kRuleFields, rule); !read) return read;
    out.rules.push_back(std::move(rule));
  }
  return {};
}

constexpr Field<PolicySpec> kTopLevelFields[] = {
    {"mode", false, enum_field<PolicySpec, Mode, &PolicySpec::mode, kModes>},
    {"trust_store", false,
     named_section<TrustStoreSpec, &PolicySpec::trust_stores, kTrustStoreFields>},
    {"publisher", false, named_section<PublisherSpec, &PolicySpec::publishers, kPublisherFields>},
    {"rule", true, rules_section},
};

}  // namespace

Result<PolicySpec> parse_policy(std::string_view toml_text) {
  // toml++ 3.3 has inputs it cannot survive; toml_guard keeps them away (see there).
  auto rewritten = toml_guard::rewrite(toml_text);
  if (!rewritten) return std::unexpected(std::move(rewritten.error()));
  const std::string_view safe_text = *rewritten ? std::string_view(**rewritten) : toml_text;
  if (auto headers = toml_guard::check_table_headers(safe_text); !headers) {
    return std::unexpected(std::move(headers.error()));
  }
  toml::parse_result parsed = toml::parse(safe_text);
  if (!parsed) {
    const auto& error = parsed.error();
    return fail(Errc::kPolicyInvalid,
                "policy is not valid TOML: " + std::string(error.description()) +
                    line_suffix(error.source()));
  }
  PolicySpec spec;
  if (auto read = read_fields<PolicySpec>(parsed.table(), "policy", kTopLevelFields, spec); !read) {
    return std::unexpected(std::move(read.error()));
  }
  if (auto valid = validate_policy_spec(spec); !valid) {
    return std::unexpected(std::move(valid.error()));
  }
  return spec;
}

}  // namespace signet::policy

// parse_policy(): TOML text -> PolicySpec. Pure and fuzzed: only the standard library and toml++
// (header-only); no fmt, no OpenSSL, no file access. Each table is read through a small table of
// Fields (toml_fields.hpp), so a new key is one line in the table it belongs to, and anything not
// listed is an unknown key.
#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/raw_public_key.hpp"
#include "policy/policy.hpp"
#include "policy/subject_pattern.hpp"
#include "policy/telemetry_parse.hpp"
#include "policy/toml_fields.hpp"
#include "policy/toml_guard.hpp"

namespace signet::policy {
namespace {

using namespace toml_fields;  // NOLINT(google-build-using-namespace): the Field-table helpers

constexpr EnumName<Mode> kModes[] = {{"enforce", Mode::kEnforce}, {"audit", Mode::kAudit}};
constexpr EnumName<VerifyTime> kVerifyTimes[] = {{"timestamp", VerifyTime::kTimestamp},
                                                 {"now", VerifyTime::kNow},
                                                 {"ignore-expiry", VerifyTime::kIgnoreExpiry}};

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
    {"telemetry", false, telemetry_section},
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

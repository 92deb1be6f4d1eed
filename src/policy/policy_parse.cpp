// parse_policy(): TOML text -> PolicySpec. Pure and fuzzed: only the standard library and toml++
// (header-only); no fmt, no OpenSSL, no file access. Each table is read through a small table of
// Fields (toml_fields.hpp), so a new key is one line in the table it belongs to, and anything not
// listed is an unknown key.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/raw_public_key.hpp"
#include "policy/gate_parse.hpp"
#include "policy/policy.hpp"
#include "policy/subject_pattern.hpp"
#include "policy/telemetry_parse.hpp"
#include "policy/toml_fields.hpp"
#include "policy/toml_guard.hpp"
#include "policy/window.hpp"

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

constexpr EnumName<OutsideWindow> kOutsideWindow[] = {{"deny", OutsideWindow::kDeny},
                                                      {"alert", OutsideWindow::kAlert}};
constexpr EnumName<Rollback> kRollback[] = {{"counter", Rollback::kCounter},
                                            {"version", Rollback::kVersion}};
constexpr std::int64_t kMaxMinSigners = 16;

Result<void> min_signers_field(const toml::node& node, const At& at, RuleSpec& out) {
  const auto* value = node.as_integer();
  if (value == nullptr) return invalid(at, node, "must be an integer, not " + type_name(node));
  if (value->get() < 1 || value->get() > kMaxMinSigners) {
    return invalid(at, node, "must be from 1 to " + std::to_string(kMaxMinSigners));
  }
  out.min_signers = value->get();
  return {};
}

template <class T, std::optional<T> RuleSpec::*M, const auto& kNames>
Result<void> optional_enum_field(const toml::node& node, const At& at, RuleSpec& out) {
  auto value = read_enum(node, at, kNames);
  if (!value) return std::unexpected(std::move(value.error()));
  out.*M = *value;
  return {};
}

constexpr Field<RuleSpec> kRuleFields[] = {
    {"id", true, string_field<RuleSpec, &RuleSpec::id>},
    {"class", true, string_field<RuleSpec, &RuleSpec::artifact_class>},
    {"target", false, string_field<RuleSpec, &RuleSpec::target>},
    {"publishers", true, strings_field<RuleSpec, &RuleSpec::publishers, true>},
    {"require_timestamp", false, bool_field<RuleSpec, &RuleSpec::require_timestamp>},
    {"mode", false, rule_mode_field},
    {"min_signers", false, min_signers_field},
    {"require_ticket", false, bool_field<RuleSpec, &RuleSpec::require_ticket>},
    {"windows", false, strings_field<RuleSpec, &RuleSpec::windows, true>},
    {"outside_window", false,
     optional_enum_field<OutsideWindow, &RuleSpec::outside_window, kOutsideWindow>},
    {"rollback", false, optional_enum_field<Rollback, &RuleSpec::rollback, kRollback>},
};

// ---- [window.NAME] ---------------------------------------------------------------------------

Result<void> days_field(const toml::node& node, const At& at, WindowSpec& out) {
  auto days = read_strings(node, at, /*non_empty=*/true);
  if (!days) return std::unexpected(std::move(days.error()));
  for (const auto& day : *days) {
    if (!parse_weekday(day)) {
      return invalid(at, node,
                     "names unknown day '" + day + "' (use mon, tue, wed, thu, fri, sat, sun)");
    }
  }
  out.days = std::move(*days);
  return {};
}

// "HH:MM" as a string, or a TOML local time of whole minutes (22:00:00).
template <std::string WindowSpec::*M, bool kEndOfDay>
Result<void> time_of_day_field(const toml::node& node, const At& at, WindowSpec& out) {
  std::string text;
  if (const auto* time = node.as_time()) {
    const toml::time& t = time->get();
    if (t.second != 0 || t.nanosecond != 0) return invalid(at, node, "must be whole minutes");
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02u:%02u", static_cast<unsigned>(t.hour),
                  static_cast<unsigned>(t.minute));
    text = buf;
  } else {
    auto value = read_string(node, at);
    if (!value) return std::unexpected(std::move(value.error()));
    text = std::move(*value);
  }
  if (!parse_time_of_day(text, kEndOfDay)) {
    return invalid(at, node,
                   std::string("must be \"HH:MM\" (00:00 to ") + (kEndOfDay ? "24:00" : "23:59") +
                       "), not \"" + text + "\"");
  }
  out.*M = std::move(text);
  return {};
}

// An RFC 3339 time with offset, as a string or a TOML offset date-time.
template <std::string WindowSpec::*M>
Result<void> instant_field(const toml::node& node, const At& at, WindowSpec& out) {
  std::string text;
  if (const auto* value = node.as_date_time()) {
    const toml::date_time& dt = value->get();
    if (!dt.offset) return invalid(at, node, "needs a UTC offset (Z or +01:00)");
    char buf[40];
    const int offset = dt.offset->minutes;
    const int magnitude = offset < 0 ? -offset : offset;
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u%c%02d:%02d",
                  static_cast<unsigned>(dt.date.year), static_cast<unsigned>(dt.date.month),
                  static_cast<unsigned>(dt.date.day), static_cast<unsigned>(dt.time.hour),
                  static_cast<unsigned>(dt.time.minute), static_cast<unsigned>(dt.time.second),
                  offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    text = buf;
  } else {
    auto string = read_string(node, at);
    if (!string) return std::unexpected(std::move(string.error()));
    text = std::move(*string);
  }
  if (auto parsed = parse_rfc3339(text); !parsed) {
    return invalid(at, node, "is not an RFC 3339 time with offset: " + parsed.error().message);
  }
  out.*M = std::move(text);
  return {};
}

Result<void> zone_field(const toml::node& node, const At& at, WindowSpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  if (!is_valid_zone_name(*text)) {
    return invalid(at, node, "is not a time zone name such as \"UTC\" or \"Europe/Berlin\"");
  }
  out.tz = std::move(*text);
  return {};
}

constexpr Field<WindowSpec> kWindowFields[] = {
    {"days", false, days_field},
    {"from", false, time_of_day_field<&WindowSpec::from, false>},
    {"to", false, time_of_day_field<&WindowSpec::to, true>},
    {"tz", false, zone_field},
    {"start", false, instant_field<&WindowSpec::start>},
    {"end", false, instant_field<&WindowSpec::end>},
};

Result<void> state_db_field(const toml::node& node, const At& at, PolicySpec& out) {
  auto text = read_string(node, at);
  if (!text) return std::unexpected(std::move(text.error()));
  out.state_db = std::move(*text);
  return {};
}

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
    {"window", false, named_section<WindowSpec, &PolicySpec::windows, kWindowFields>},
    {"state_db", false, state_db_field},
    {"gate", false, gate_section},
    {"guard", false, guards_section},
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

// The whole-spec checks of a policy: unique names, resolved references, valid patterns and EKUs.
// Pure like the parser (it is part of the fuzzed code): standard library only.
#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "core/raw_public_key.hpp"
#include "policy/policy.hpp"
#include "policy/subject_pattern.hpp"
#include "policy/window.hpp"

namespace signet::policy {
namespace {

// Must agree with crypto::eku_oid_from_name, names case-insensitive (policy_evaluate_test checks).
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kEkuNames{{
    {"serverAuth", "1.3.6.1.5.5.7.3.1"},
    {"clientAuth", "1.3.6.1.5.5.7.3.2"},
    {"codeSigning", "1.3.6.1.5.5.7.3.3"},
    {"emailProtection", "1.3.6.1.5.5.7.3.4"},
    {"timeStamping", "1.3.6.1.5.5.7.3.8"},
    {"OCSPSigning", "1.3.6.1.5.5.7.3.9"},
    // RFC 9809: configuration files, trust anchor configuration, update packages, safety comms.
    {"configSigning", "1.3.6.1.5.5.7.3.41"},
    {"trustAnchorConfigSigning", "1.3.6.1.5.5.7.3.42"},
    {"updatePackageSigning", "1.3.6.1.5.5.7.3.43"},
    {"safetyCommunication", "1.3.6.1.5.5.7.3.44"},
}};

// "1.3.6.1.5.5.7.3.3": at least two arcs, the first 0-2, decimal without leading zeros, at most
// 19 digits an arc and 200 characters in all (as crypto::eku_oid_from_name).
bool is_dotted_oid(std::string_view text) {
  if (text.empty() || text.size() > 200) return false;
  std::size_t arcs = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view arc = text.substr(start, end - start);
    if (arc.empty() || arc.size() > 19) return false;
    if (arc.size() > 1 && arc.front() == '0') return false;
    for (const char c : arc) {
      if (c < '0' || c > '9') return false;
    }
    if (arcs == 0 && (arc.size() != 1 || arc.front() > '2')) return false;
    ++arcs;
    start = end + 1;
  }
  return arcs >= 2;
}

template <class T>
std::unexpected<Error> invalid(const T& where, const std::string& what) {
  return fail(Errc::kPolicyInvalid, std::string(where) + ": " + what);
}

Result<void> validate_stores(const PolicySpec& spec) {
  for (std::size_t i = 0; i < spec.trust_stores.size(); ++i) {
    const auto& store = spec.trust_stores[i];
    const std::string where = "trust_store '" + store.name + "'";
    if (store.name.empty()) return invalid("trust_store[" + std::to_string(i) + "]", "empty name");
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.trust_stores[j].name == store.name) return invalid(where, "defined twice");
    }
    if (store.anchors.empty()) return invalid(where, "'anchors' must not be empty");
    if (store.tsa_anchors && store.tsa_anchors->empty()) {
      return invalid(where, "'tsa_anchors' must not be empty (omit it to use 'anchors')");
    }
  }
  return {};
}

Result<void> validate_publishers(const PolicySpec& spec) {
  for (std::size_t i = 0; i < spec.publishers.size(); ++i) {
    const auto& publisher = spec.publishers[i];
    const std::string where = "publisher '" + publisher.name + "'";
    if (publisher.name.empty()) {
      return invalid("publisher[" + std::to_string(i) + "]", "empty name");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.publishers[j].name == publisher.name) return invalid(where, "defined twice");
    }
    if (publisher.minisign_key || publisher.signify_key) {
      // A key publisher: the key is the identity; certificates do not come into it.
      if (publisher.minisign_key && publisher.signify_key) {
        return invalid(where, "names both 'minisign_key' and 'signify_key'");
      }
      if (!publisher.store.empty() || !publisher.subject.empty() || publisher.eku) {
        return invalid(where, "names a public key: 'store', 'subject' and 'eku' do not apply");
      }
      if (!parse_raw_public_key(publisher.minisign_key ? *publisher.minisign_key
                                                       : *publisher.signify_key)) {
        return invalid(where, "public key is not a minisign/signify key line (\"RW...\")");
      }
      continue;
    }
    if (publisher.store.empty()) {
      return invalid(where, "missing required key 'store' (or 'minisign_key' / 'signify_key')");
    }
    if (publisher.subject.empty()) return invalid(where, "missing required key 'subject'");
    const bool store_defined =
        std::any_of(spec.trust_stores.begin(), spec.trust_stores.end(),
                    [&](const TrustStoreSpec& s) { return s.name == publisher.store; });
    if (!store_defined) {
      return invalid(where, "'store' names undefined trust_store '" + publisher.store + "'");
    }
    if (auto pattern = SubjectPattern::parse(publisher.subject); !pattern) {
      return invalid(where, "'subject' is invalid: " + pattern.error().message);
    }
    for (const auto& eku : publisher.eku.value_or(std::vector<std::string>{})) {
      if (!policy_eku_oid(eku)) return invalid(where, "'eku' names unknown EKU '" + eku + "'");
    }
  }
  return {};
}

Result<void> validate_rule_windows(const PolicySpec& spec, const RuleSpec& rule,
                                   const std::string& where) {
  for (std::size_t i = 0; i < rule.windows.size(); ++i) {
    const auto& name = rule.windows[i];
    const bool defined = std::any_of(spec.windows.begin(), spec.windows.end(),
                                     [&](const WindowSpec& w) { return w.name == name; });
    if (!defined) return invalid(where, "'windows' names undefined window '" + name + "'");
    for (std::size_t j = 0; j < i; ++j) {
      if (rule.windows[j] == name) return invalid(where, "'windows' names '" + name + "' twice");
    }
  }
  if (rule.outside_window && rule.windows.empty()) {
    return invalid(where, "'outside_window' needs 'windows'");
  }
  return {};
}

Result<void> validate_rules(const PolicySpec& spec) {
  for (std::size_t i = 0; i < spec.rules.size(); ++i) {
    const auto& rule = spec.rules[i];
    const std::string index = "rule[" + std::to_string(i) + "]";
    if (rule.id.empty()) return invalid(index, "'id' must not be empty");
    const std::string where = index + " '" + rule.id + "'";
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.rules[j].id == rule.id) {
        return invalid(where, "duplicate rule id (also rule[" + std::to_string(j) + "])");
      }
    }
    if (rule.artifact_class.empty()) return invalid(where, "'class' must not be empty");
    if (rule.target.empty()) return invalid(where, "'target' must not be empty");
    if (rule.publishers.empty()) return invalid(where, "'publishers' must not be empty");
    for (const auto& name : rule.publishers) {
      const bool defined = std::any_of(spec.publishers.begin(), spec.publishers.end(),
                                       [&](const PublisherSpec& p) { return p.name == name; });
      if (!defined) return invalid(where, "'publishers' names undefined publisher '" + name + "'");
    }
    if (auto windows = validate_rule_windows(spec, rule, where); !windows) return windows;
    if (rule.min_signers < 1 || rule.min_signers > 16) {
      return invalid(where, "'min_signers' must be from 1 to 16");
    }
  }
  return {};
}

Result<void> validate_windows(const PolicySpec& spec) {
  for (std::size_t i = 0; i < spec.windows.size(); ++i) {
    const auto& window = spec.windows[i];
    if (window.name.empty()) return invalid("window[" + std::to_string(i) + "]", "empty name");
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.windows[j].name == window.name) {
        return invalid("window '" + window.name + "'", "defined twice");
      }
    }
    if (auto valid = validate_window_spec(window); !valid) return valid;
  }
  if (spec.state_db && spec.state_db->empty()) return invalid("policy", "'state_db' is empty");
  return {};
}

}  // namespace

std::optional<std::string> policy_eku_oid(std::string_view name_or_oid) {
  const auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  for (const auto& [name, oid] : kEkuNames) {
    if (name.size() == name_or_oid.size() &&
        std::equal(name.begin(), name.end(), name_or_oid.begin(),
                   [&](char a, char b) { return lower(a) == lower(b); })) {
      return std::string(oid);
    }
  }
  if (is_dotted_oid(name_or_oid)) return std::string(name_or_oid);
  return std::nullopt;
}

Result<void> validate_policy_spec(const PolicySpec& spec) {
  if (auto stores = validate_stores(spec); !stores) return stores;
  if (auto publishers = validate_publishers(spec); !publishers) return publishers;
  if (auto windows = validate_windows(spec); !windows) return windows;
  return validate_rules(spec);
}

}  // namespace signet::policy

// Trust bundles: native signatures of class `trust-bundle` whose subjects are the digests of files
// allowed to run or load. A bundle counts only when policy::evaluate allows it as a trust-bundle;
// one of its digests then allows a file of class C only when the bundle's scope includes C and the
// first rule for C accepts one of the bundle's trusted signers (docs/exec-gate.md "Policy keys").
// Pure once the bytes are read: the time is an argument.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "gate/exec_class.hpp"
#include "policy/decision.hpp"
#include "policy/policy.hpp"

namespace signet::gate {

// What the bundle says its files may be used as: the predicate's target when it is a
// comma-separated list of executable/library/script/kernel-module, else all four.
[[nodiscard]] std::array<bool, kCodeClassCount> bundle_scope(std::string_view target);

// The scope as written into a bundle by `signet trust build --class` ("" = all classes); an error
// names a class that a bundle cannot allow.
[[nodiscard]] Result<std::string> scope_target(std::string_view classes);

// Whether a bundle's signers are accepted for one class.
struct ClassAcceptance {
  bool accepted = false;
  std::optional<std::string> rule;  // the first rule for the class (matched with an empty target)
  std::optional<policy::Mode> rule_mode;
  std::vector<policy::SignerOutcome> signers;  // judged under that rule
  std::optional<Reason> reason;                // why not, when not accepted
};

struct TrustBundle {
  std::string path;
  bool accepted = false;
  std::vector<Reason> reasons;      // why the bundle itself is not accepted
  std::optional<std::string> rule;  // the trust-bundle rule that accepted it
  std::string target;               // as signed
  std::size_t subjects = 0;
  std::array<bool, kCodeClassCount> scope{};
  std::array<ClassAcceptance, kCodeClassCount> classes{};
};

struct BundleMatch {
  const TrustBundle* bundle = nullptr;
  std::string subject;  // the subject name the digest is listed under
  bool allowed = false;
  std::optional<Reason> reason;  // when not allowed: WRONG_CLASS, UNTRUSTED_PUBLISHER, NO_RULE, ...
};

struct BundleInput {
  std::string path;
  Bytes bytes;
};

class TrustIndex {
 public:
  TrustIndex() = default;
  // Judges every bundle at `now` and indexes the digests of the accepted ones.
  [[nodiscard]] static TrustIndex build(const policy::Policy& policy,
                                        const std::vector<BundleInput>& bundles, TimePoint now);

  // The best match for a digest and class: an allowing bundle if any, else the first bundle that
  // lists the digest (with the reason it does not allow it). nullopt: no accepted bundle lists it.
  [[nodiscard]] std::optional<BundleMatch> find(std::string_view sha256, GateClass c) const;
  [[nodiscard]] const std::vector<TrustBundle>& bundles() const noexcept { return bundles_; }
  [[nodiscard]] std::size_t digests() const noexcept { return index_.size(); }

 private:
  struct Entry {
    std::size_t bundle;
    std::string subject;
  };
  std::vector<TrustBundle> bundles_;
  std::unordered_map<std::string, std::vector<Entry>> index_;
};

[[nodiscard]] std::size_t class_index(GateClass c) noexcept;

}  // namespace signet::gate

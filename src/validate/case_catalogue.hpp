// The catalogue of test cases: one valid control and the adversarial items an enforcement point
// must block. Each case knows which kinds of point it applies to (a case that does not apply is
// left out of that point's list, never counted as passed) and which reason codes a signet point
// should give. Pure (standard library only): parse_plan() checks case names against it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "validate/plan.hpp"

namespace signet::validate {

enum class CaseId {
  kControl,          // validly signed by the designated test publisher: must be allowed
  kUnsigned,         // no signature at all
  kTampered,         // signed, then one byte changed
  kStripped,         // signed, then its SignerInfos removed (Statement and certificates kept)
  kSwapped,          // the signature of another (validly signed) artifact
  kUntrustedSigner,  // signed by an identity that chains to a root the site does not trust
  kWrongEku,         // signed by a trusted chain without the codeSigning EKU
  kExpired,          // signed while the certificate was valid, no timestamp, now expired
  kRevoked,          // signed by a revoked certificate
  kWeakAlgorithm,    // signed outside the profile (RSA-1024 key, SHA-1 certificate)
  kDowngrade,        // validly signed, lower security counter than what is installed
  kWrongTarget,      // validly signed for another target
  kWrongClass,       // validly signed as another artifact class
  kOneSigner,        // one signer where two are required
  kOutsideWindow,    // validly signed, introduced while the maintenance window is closed
  kMissingTicket,    // validly signed without a change ticket, introduced without one
  kMasquerading,     // a trusted item's name, path and signature; other content
};

struct CaseInfo {
  CaseId id;
  std::string_view name;   // "tampered" (plan, report, junit)
  std::string_view title;  // "Tampered after signing"
  std::string_view what;   // one sentence: how the item is made
  // Reason codes a signet point should name when it blocks the item (any one of them).
  std::span<const std::string_view> expected_reasons;
};

[[nodiscard]] std::span<const CaseInfo> case_catalogue() noexcept;
[[nodiscard]] const CaseInfo& case_info(CaseId id) noexcept;
[[nodiscard]] const CaseInfo* find_case(std::string_view name) noexcept;

// Why a case is left out of a point's list; nullopt when it applies. Kind first (a maintenance
// window means nothing to the exec gate), then the plan (change-control cases apply where the
// plan says the site requires that control at the point).
[[nodiscard]] std::optional<std::string> not_applicable(CaseId id, const PointSpec& point);

// The reason codes a signet point of `kind` should name when it blocks the item of `id`.
[[nodiscard]] std::vector<std::string_view> expected_reasons(CaseId id, PointKind kind);

// The cases of a point, in catalogue order: the applicable ones, or the plan's subset of them.
[[nodiscard]] std::vector<CaseId> cases_for(const PointSpec& point);

}  // namespace signet::validate

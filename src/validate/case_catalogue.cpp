#include "validate/case_catalogue.hpp"

#include <algorithm>
#include <array>

namespace signet::validate {
namespace {

constexpr std::string_view kUnsignedReasons[] = {"UNSIGNED"};
constexpr std::string_view kStrippedReasons[] = {"UNSIGNED", "MALFORMED"};
constexpr std::string_view kDigestReasons[] = {"DIGEST_MISMATCH"};
constexpr std::string_view kUntrustedReasons[] = {"UNTRUSTED_CHAIN", "UNTRUSTED_PUBLISHER"};
constexpr std::string_view kEkuReasons[] = {"WRONG_EKU"};
constexpr std::string_view kExpiredReasons[] = {"CERT_EXPIRED"};
constexpr std::string_view kRevokedReasons[] = {"CERT_REVOKED"};
constexpr std::string_view kWeakReasons[] = {"WEAK_ALGORITHM"};
constexpr std::string_view kRollbackReasons[] = {"ROLLBACK"};
constexpr std::string_view kTargetReasons[] = {"WRONG_TARGET", "NO_RULE"};
constexpr std::string_view kClassReasons[] = {"WRONG_CLASS", "NO_RULE"};
constexpr std::string_view kSignerReasons[] = {"TOO_FEW_SIGNERS"};
constexpr std::string_view kWindowReasons[] = {"OUTSIDE_WINDOW"};
constexpr std::string_view kTicketReasons[] = {"NO_TICKET"};

const std::array<CaseInfo, 17> kCatalogue = {{
    {CaseId::kControl,
     "control",
     "Valid control",
     "signed by the designated test publisher (and cosigner), with the point's class, target, "
     "ticket and counter: must be allowed",
     {}},
    {CaseId::kUnsigned, "unsigned", "Unsigned", "a fresh item with no signature at all",
     kUnsignedReasons},
    {CaseId::kTampered, "tampered", "Tampered after signing",
     "validly signed, then one byte of the item changed", kDigestReasons},
    {CaseId::kStripped, "stripped", "Signature stripped",
     "validly signed, then every SignerInfo removed from the signature (Statement and "
     "certificates kept)",
     kStrippedReasons},
    {CaseId::kSwapped, "swapped", "Signature swapped from another artifact",
     "carries the valid signature of another artifact signed for the same point", kDigestReasons},
    {CaseId::kUntrustedSigner, "untrusted-signer", "Untrusted signer",
     "signed by an identity whose chain ends at a root the site does not trust", kUntrustedReasons},
    {CaseId::kWrongEku, "wrong-eku", "Wrong EKU",
     "signed by a certificate of the site's PKI without the codeSigning extended key usage",
     kEkuReasons},
    {CaseId::kExpired, "expired", "Expired without timestamp",
     "signed while the signer's certificate was valid, without a timestamp; it has expired since",
     kExpiredReasons},
    {CaseId::kRevoked, "revoked", "Revoked signer",
     "signed by a certificate the site's CRL revokes", kRevokedReasons},
    {CaseId::kWeakAlgorithm, "weak-algorithm", "Weak algorithm",
     "signed with a key or certificate outside the profile (RSA-1024, SHA-1)", kWeakReasons},
    {CaseId::kDowngrade, "downgrade", "Downgrade (lower counter)",
     "validly signed with a security counter one below the control's, after the control was "
     "installed",
     kRollbackReasons},
    {CaseId::kWrongTarget, "wrong-target", "Wrong target",
     "validly signed for another target than the point's", kTargetReasons},
    {CaseId::kWrongClass, "wrong-class", "Wrong class",
     "validly signed as another artifact class than the point's", kClassReasons},
    {CaseId::kOneSigner, "one-signer", "One signer where two are required",
     "validly signed by the designated publisher only, where the site requires two persons",
     kSignerReasons},
    {CaseId::kOutsideWindow, "outside-window", "Outside the maintenance window",
     "validly signed, introduced at a moment when the point's maintenance windows are closed",
     kWindowReasons},
    {CaseId::kMissingTicket, "missing-ticket", "Missing ticket",
     "validly signed without a change ticket, introduced without one", kTicketReasons},
    {CaseId::kMasquerading, "masquerading", "Masquerading",
     "other content under a trusted item's name and path, with the trusted item's signature",
     kDigestReasons},
}};

bool requires_control(const PointSpec& point, ChangeControl control) {
  return std::find(point.change_control.begin(), point.change_control.end(), control) !=
         point.change_control.end();
}

std::optional<std::string> change_control_case(const PointSpec& point, ChangeControl control,
                                               std::string_view what) {
  if (point.kind == PointKind::kExec || point.kind == PointKind::kGuard) {
    return std::string(point_kind_name(point.kind)) +
           " points judge content against trust bundles and signatures; change control (" +
           std::string(what) + ") belongs to download points";
  }
  if (control == ChangeControl::kRollback && point.kind == PointKind::kVerify) {
    return std::string(
        "signet verify installs nothing, so no rollback state exists to compare "
        "with; test downgrades at the download point");
  }
  if (!requires_control(point, control)) {
    return "the plan does not require " + std::string(what) + " at this point (change_control)";
  }
  return std::nullopt;
}

}  // namespace

std::span<const CaseInfo> case_catalogue() noexcept { return kCatalogue; }

const CaseInfo& case_info(CaseId id) noexcept { return kCatalogue[static_cast<std::size_t>(id)]; }

const CaseInfo* find_case(std::string_view name) noexcept {
  for (const auto& info : kCatalogue) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::optional<std::string> not_applicable(CaseId id, const PointSpec& point) {
  const bool content_point = point.kind == PointKind::kExec || point.kind == PointKind::kGuard;
  switch (id) {
    case CaseId::kDowngrade:
      return change_control_case(point, ChangeControl::kRollback, "rollback protection");
    case CaseId::kOneSigner:
      return change_control_case(point, ChangeControl::kTwoPerson, "the two-person rule");
    case CaseId::kOutsideWindow:
      return change_control_case(point, ChangeControl::kWindow, "maintenance windows");
    case CaseId::kMissingTicket:
      return change_control_case(point, ChangeControl::kTicket, "change tickets");
    case CaseId::kWrongTarget:
      if (content_point) {
        return std::string(
            "the exec gate and the project-file guard judge files on the host they "
            "guard; trust bundles and project signatures name no controller target");
      }
      return std::nullopt;
    case CaseId::kSwapped:
      if (point.kind == PointKind::kExec) {
        return std::string(
            "executables and scripts carry no signature of their own here: trust is "
            "a digest in a signed trust bundle, so there is no signature to move "
            "(unsigned and tampered cover a digest that is not listed)");
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::vector<std::string_view> expected_reasons(CaseId id, PointKind kind) {
  const auto& info = case_info(id);
  std::vector<std::string_view> out(info.expected_reasons.begin(), info.expected_reasons.end());
  if (kind != PointKind::kExec || id == CaseId::kControl) return out;
  // The exec gate judges a trust bundle when it loads it; a file whose digest no accepted bundle
  // lists is UNSIGNED, whatever was wrong with the bundle that listed it.
  if (id == CaseId::kWrongClass) return {"WRONG_CLASS"};
  return {"UNSIGNED"};
}

std::vector<CaseId> cases_for(const PointSpec& point) {
  std::vector<CaseId> out;
  for (const auto& info : kCatalogue) {
    if (not_applicable(info.id, point)) continue;
    if (!point.cases.empty() &&
        std::find(point.cases.begin(), point.cases.end(), info.name) == point.cases.end()) {
      continue;
    }
    out.push_back(info.id);
  }
  return out;
}

}  // namespace signet::validate

// Queries over a Decision.
#include "policy/decision.hpp"

#include <algorithm>

namespace signet::policy {

bool Decision::has_reason(ReasonCode code) const noexcept {
  return std::any_of(reasons.begin(), reasons.end(),
                     [code](const Reason& reason) { return reason.code == code; });
}

std::size_t distinct_trusted_signers(const Decision& decision) {
  std::vector<const SignerOutcome*> counted;
  for (const auto& signer : decision.signers) {
    if (!signer.trusted) continue;
    const bool seen = std::any_of(counted.begin(), counted.end(), [&](const SignerOutcome* other) {
      return (!signer.fingerprint_sha256.empty() &&
              other->fingerprint_sha256 == signer.fingerprint_sha256) ||
             (!signer.subject.empty() && other->subject == signer.subject);
    });
    if (!seen) counted.push_back(&signer);
  }
  return counted.size();
}

}  // namespace signet::policy

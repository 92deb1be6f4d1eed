// Signers that a signature names without embedding their certificate or key (kernel modules:
// issuer + serial; minisign/signify: a key number), and legacy Authenticode countersignatures.
// Internal to evaluate(); pure like it: candidates come from the Policy, checks run in memory.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "formats/evidence.hpp"
#include "policy/decision.hpp"
#include "policy/policy.hpp"

namespace signet::policy::signer_keys {

// "issuer 'CN=Debian Secure Boot CA' serial 32a0...", "minisign key E7620F1842B4E81F".
[[nodiscard]] std::string reference_text(const formats::KeyReference& ref);

// The certificate a kX509 reference names, among the signature's certificates and the store's
// anchors, whose key verifies the signature. UNTRUSTED_CHAIN when none is named so,
// BAD_SIGNATURE when the named one does not verify.
[[nodiscard]] std::expected<crypto::Certificate, Reason> resolve_certificate(
    const TrustStore& store, const formats::KeyReference& ref,
    const formats::SignatureEvidence& evidence);

// The time a legacy countersignature vouches for, judged against the store's TSA anchors (chain at
// its signingTime, timeStamping EKU). nullopt (ignored, no denial) for a countersignature with a
// digest weaker than SHA-256; TIMESTAMP_INVALID when it is forged or its signer is not trusted.
[[nodiscard]] std::expected<std::optional<TimePoint>, Reason> countersignature_time(
    const formats::Countersignature& countersignature, const TrustStore& store,
    const formats::SignatureEvidence& evidence, const std::string& which);

// A minisign/signify signer against the key publishers of `rule`: the first whose key number
// matches and whose key verifies the signature trusts it. Fills `out`.
void judge_key_signer(const Policy& policy, const Rule& rule, const formats::SignerEvidence& signer,
                      SignerOutcome& out);

}  // namespace signet::policy::signer_keys

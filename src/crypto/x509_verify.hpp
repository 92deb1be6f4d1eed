// X.509 path validation at a caller-given time (never the wall clock), with CRLs, plus EKU checks.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"

namespace signet::crypto {

// An immutable set of trust anchors (and the CRLs that come with them). Cheap to share across threads:
// validate() builds its own X509_STORE_CTX.
class AnchorSet {
 public:
  [[nodiscard]] static Result<AnchorSet> create(std::vector<Certificate> anchors,
                                                std::vector<Crl> crls);
  [[nodiscard]] const std::vector<Certificate>& anchors() const noexcept { return anchors_; }
  [[nodiscard]] const std::vector<Crl>& crls() const noexcept { return crls_; }

 private:
  AnchorSet(std::vector<Certificate> anchors, std::vector<Crl> crls)
      : anchors_(std::move(anchors)), crls_(std::move(crls)) {}
  std::vector<Certificate> anchors_;
  std::vector<Crl> crls_;
};

struct ChainOptions {
  TimePoint at;                      // validation time: timestamp genTime or the caller's "now"
  bool allow_partial_chain = false;  // an intermediate listed as anchor ends the chain
  // Revocation: when true, every certificate in the path must be covered by a CRL (from the anchor
  // set or extra_crls) that is valid at `at`; a missing CRL fails the chain. When false, CRLs that
  // are present are still checked for the leaf.
  bool require_crls = false;
  bool ignore_expiry = false;        // verify_time = "ignore-expiry" (issue 5): validity dates unchecked
  // X509_V_FLAG_X509_STRICT (RFC 5280 conformance of every certificate in the path). The plant's
  // own PKI is held to it; vendors' CAs (RAUC's, Debian's) are judged as their own tools do.
  bool strict = true;
};

struct ChainResult {
  bool ok = false;
  ReasonCode code = ReasonCode::kUntrustedChain;  // meaningful when !ok: kUntrustedChain,
                                                  // kCertExpired, kCertRevoked, kWeakAlgorithm
  std::string detail;                             // OpenSSL's reason, subject, times
  std::vector<Certificate> path;                  // leaf first, anchor last (when ok)
};

// Validates leaf -> anchor. `untrusted` are candidate intermediates (from the signature).
// Certificates in the path signed with SHA-1/MD5, or RSA keys < 2048 bits, give kWeakAlgorithm.
[[nodiscard]] ChainResult verify_chain(const Certificate& leaf,
                                       std::span<const Certificate> untrusted,
                                       const AnchorSet& anchors, std::span<const Crl> extra_crls,
                                       const ChainOptions& options);

// Well-known EKU names <-> dotted OIDs: serverAuth, clientAuth, codeSigning, emailProtection,
// timeStamping, OCSPSigning, and RFC 9809's 1.3.6.1.5.5.7.3.41-.44. Dotted OIDs pass through.
[[nodiscard]] std::optional<std::string> eku_oid_from_name(std::string_view name_or_oid);
[[nodiscard]] std::string eku_display_name(std::string_view oid);

}  // namespace signet::crypto

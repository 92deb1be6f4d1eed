#include "crypto/x509_verify.hpp"

#include <ctime>

#include "crypto/asn1_util.hpp"

namespace signet::crypto {

namespace {

// Called by OpenSSL for every check. Validating at a past time (a timestamp's genTime) normally
// meets CRLs issued later than that time: that is fine. With ignore_expiry, certificate validity
// dates are not judged (CRL dates still are, at the caller's time). Everything else keeps OpenSSL's
// verdict; in particular an expired CRL (X509_V_ERR_CRL_HAS_EXPIRED) is never tolerated.
// N.B. X509_V_FLAG_NO_CHECK_TIME cannot express this: OpenSSL ignores it once a time is set.
int verify_callback(int ok, X509_STORE_CTX* ctx) {
  if (ok != 0) return ok;
  const auto* options = static_cast<const ChainOptions*>(X509_STORE_CTX_get_app_data(ctx));
  const int err = X509_STORE_CTX_get_error(ctx);
  const bool tolerated =
      err == X509_V_ERR_CRL_NOT_YET_VALID ||
      (options != nullptr && options->ignore_expiry &&
       (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID));
  if (!tolerated) return ok;
  X509_STORE_CTX_set_error(ctx, X509_V_OK);
  return 1;
}

std::string cert_subject(X509* cert) {
  return cert != nullptr ? x509_name_text(X509_get_subject_name(cert)) : std::string("?");
}

std::string time_text(const ASN1_TIME* t) {
  const auto point = asn1_time_to_point(t);
  return point ? format_rfc3339(*point) : std::string("(unreadable)");
}

ChainResult failure(ReasonCode code, std::string detail) {
  ChainResult result;
  result.ok = false;
  result.code = code;
  result.detail = std::move(detail);
  return result;
}

ChainResult map_verify_error(X509_STORE_CTX* ctx, const ChainOptions& options) {
  const int err = X509_STORE_CTX_get_error(ctx);
  const int depth = X509_STORE_CTX_get_error_depth(ctx);
  X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  const std::string at = format_rfc3339(options.at);
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return failure(ReasonCode::kCertExpired,
                     "certificate '" + cert_subject(cert) + "' (depth " + std::to_string(depth) +
                         ") is valid from " + time_text(X509_get0_notBefore(cert)) + " to " +
                         time_text(X509_get0_notAfter(cert)) + ", validation time is " + at);
    case X509_V_ERR_CERT_REVOKED:
      return failure(ReasonCode::kCertRevoked,
                     "certificate '" + cert_subject(cert) + "' (depth " + std::to_string(depth) +
                         ") is revoked by a CRL of '" +
                         (cert ? x509_name_text(X509_get_issuer_name(cert)) : std::string("?")) +
                         "'");
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return failure(ReasonCode::kUntrustedChain,
                     "no CRL for '" +
                         (cert ? x509_name_text(X509_get_issuer_name(cert)) : std::string("?")) +
                         "' (needed for '" + cert_subject(cert) + "', revocation lists required)");
    case X509_V_ERR_CRL_HAS_EXPIRED: {
      X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx);
      return failure(ReasonCode::kUntrustedChain,
                     "CRL expired: the CRL of '" +
                         (crl ? x509_name_text(X509_CRL_get_issuer(crl)) : std::string("?")) +
                         "' has nextUpdate " +
                         (crl ? time_text(X509_CRL_get0_nextUpdate(crl)) : std::string("?")) +
                         ", validation time is " + at);
    }
    default:
      return failure(ReasonCode::kUntrustedChain, std::string(X509_verify_cert_error_string(err)) +
                                                      " (certificate '" + cert_subject(cert) +
                                                      "', depth " + std::to_string(depth) + ")");
  }
}

bool is_weak_digest(const std::string& digest) {
  return digest == "sha1" || digest == "md5" || digest == "md4" || digest == "md2" ||
         digest == "mdc2" || digest == "ripemd160";
}

// Weak algorithms anywhere in a validated path: a self-signed anchor's own signature does not
// matter (it is trusted by configuration), every other certificate's does, and every key does.
std::optional<std::string> weak_algorithm_in(const std::vector<Certificate>& path) {
  for (const Certificate& cert : path) {
    const bool self_signed = (X509_get_extension_flags(cert.get()) & EXFLAG_SS) != 0;
    const std::string digest = cert.signature_digest();
    if (!self_signed && is_weak_digest(digest)) {
      return "certificate '" + cert.subject() + "' is signed with " + digest +
             " (SHA-256 or stronger expected)";
    }
    const std::string type = cert.key_type();
    if ((type == "RSA" || type == "RSA-PSS") && cert.key_bits() < 2048) {
      return "certificate '" + cert.subject() + "' has a " + std::to_string(cert.key_bits()) +
             "-bit RSA key (2048 bits or more expected)";
    }
  }
  return std::nullopt;
}

bool has_crl_for_issuer(const X509* leaf, const AnchorSet& anchors,
                        std::span<const Crl> extra_crls) {
  const X509_NAME* issuer = X509_get_issuer_name(leaf);
  auto matches = [issuer](const Crl& crl) {
    return crl.get() != nullptr && X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), issuer) == 0;
  };
  for (const Crl& crl : anchors.crls()) {
    if (matches(crl)) return true;
  }
  for (const Crl& crl : extra_crls) {
    if (matches(crl)) return true;
  }
  return false;
}

}  // namespace

Result<AnchorSet> AnchorSet::create(std::vector<Certificate> anchors, std::vector<Crl> crls) {
  if (anchors.empty())
    return fail(Errc::kUsage, "a trust anchor set needs at least one certificate");
  for (const Certificate& anchor : anchors) {
    if (anchor.get() == nullptr) return fail(Errc::kInternal, "empty certificate in anchor set");
  }
  for (const Crl& crl : crls) {
    if (crl.get() == nullptr) return fail(Errc::kInternal, "empty CRL in anchor set");
  }
  return AnchorSet(std::move(anchors), std::move(crls));
}

ChainResult verify_chain(const Certificate& leaf, std::span<const Certificate> untrusted,
                         const AnchorSet& anchors, std::span<const Crl> extra_crls,
                         const ChainOptions& options) {
  if (leaf.get() == nullptr) return failure(ReasonCode::kUntrustedChain, "no leaf certificate");
  const X509StorePtr store(X509_STORE_new());
  const X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  const X509StackViewPtr intermediates(sk_X509_new_null());
  if (!store || !ctx || !intermediates) {
    return failure(ReasonCode::kUntrustedChain, "out of memory: " + take_ossl_errors());
  }
  for (const Certificate& anchor : anchors.anchors()) {
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
      return failure(ReasonCode::kUntrustedChain,
                     "cannot add anchor '" + anchor.subject() + "': " + take_ossl_errors());
    }
  }
  bool any_crl = false;
  auto add_crl = [&](const Crl& crl) {
    any_crl = true;
    return crl.get() != nullptr && X509_STORE_add_crl(store.get(), crl.get()) == 1;
  };
  for (const Crl& crl : anchors.crls()) {
    if (!add_crl(crl)) return failure(ReasonCode::kUntrustedChain, "cannot add CRL");
  }
  for (const Crl& crl : extra_crls) {
    if (!add_crl(crl)) return failure(ReasonCode::kUntrustedChain, "cannot add CRL");
  }
  for (const Certificate& cert : untrusted) {
    if (cert.get() != nullptr && sk_X509_push(intermediates.get(), cert.get()) <= 0) {
      return failure(ReasonCode::kUntrustedChain, "out of memory: " + take_ossl_errors());
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), intermediates.get()) != 1) {
    return failure(ReasonCode::kUntrustedChain,
                   "cannot initialize path validation: " + take_ossl_errors());
  }

  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // The validation time is always the caller's: never the wall clock.
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(options.at.time_since_epoch().count()));
  unsigned long flags = options.strict ? X509_V_FLAG_X509_STRICT : 0;
  if (options.allow_partial_chain) flags |= X509_V_FLAG_PARTIAL_CHAIN;
  if (options.require_crls) {
    flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  } else if (any_crl && has_crl_for_issuer(leaf.get(), anchors, extra_crls)) {
    flags |= X509_V_FLAG_CRL_CHECK;
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  // EKU is the policy's business: no purpose here.
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  X509_STORE_CTX_set_verify_cb(ctx.get(), verify_callback);
  // The callback only reads the options, during X509_verify_cert below.
  X509_STORE_CTX_set_app_data(ctx.get(), const_cast<ChainOptions*>(&options));

  const int verified = X509_verify_cert(ctx.get());
  if (verified != 1) {
    ChainResult result = map_verify_error(ctx.get(), options);
    clear_ossl_errors();
    return result;
  }

  ChainResult result;
  const X509StackPtr chain(X509_STORE_CTX_get1_chain(ctx.get()));
  const int count = chain ? sk_X509_num(chain.get()) : 0;
  for (int i = 0; i < count; ++i) {
    X509* cert = sk_X509_value(chain.get(), i);
    if (X509_up_ref(cert) != 1) return failure(ReasonCode::kUntrustedChain, "X509_up_ref failed");
    result.path.emplace_back(X509Ptr(cert));
  }
  if (result.path.empty()) return failure(ReasonCode::kUntrustedChain, "empty validated path");
  if (auto weak = weak_algorithm_in(result.path)) {
    result.ok = false;
    result.code = ReasonCode::kWeakAlgorithm;
    result.detail = std::move(*weak);
    return result;
  }
  result.ok = true;
  result.detail = "chain of " + std::to_string(result.path.size()) + " to '" +
                  result.path.back().subject() + "' valid at " + format_rfc3339(options.at);
  clear_ossl_errors();
  return result;
}

}  // namespace signet::crypto

// Reading and verifying RFC 3161 time-stamp tokens (creation is in timestamp.cpp).
#include <openssl/crypto.h>

#include <algorithm>
#include <climits>

#include "crypto/asn1_util.hpp"
#include "crypto/timestamp.hpp"

namespace signet::crypto {

namespace {

constexpr std::size_t kMaxTokenBytes = std::size_t{1} << 20;

struct ParsedToken {
  Pkcs7Ptr p7;
  TsTstInfoPtr tst;
  TimestampInfo info;
};

Result<ParsedToken> parse_token(std::span<const std::uint8_t> der) {
  if (der.empty()) return fail(Errc::kMalformed, "time-stamp token: empty input");
  if (der.size() > kMaxTokenBytes) {
    return fail(Errc::kMalformed, "time-stamp token: larger than 1 MiB");
  }
  const unsigned char* p = der.data();
  Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!p7) {
    return fail(Errc::kMalformed, "time-stamp token: not a DER ContentInfo: " + take_ossl_errors());
  }
  if (p != der.data() + der.size()) {
    return fail(Errc::kMalformed,
                "time-stamp token: " + std::to_string(der.data() + der.size() - p) +
                    " trailing bytes after the ContentInfo");
  }
  if (PKCS7_type_is_signed(p7.get()) == 0) {
    return fail(Errc::kMalformed, "time-stamp token: not a SignedData");
  }
  TsTstInfoPtr tst(PKCS7_to_TS_TST_INFO(p7.get()));
  if (!tst) {
    return fail(Errc::kMalformed, "time-stamp token: no TSTInfo content: " + take_ossl_errors());
  }
  if (sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7.get())) != 1) {
    return fail(Errc::kMalformed, "time-stamp token: exactly one SignerInfo expected");
  }
  const auto gen_time = asn1_time_to_point(TS_TST_INFO_get_time(tst.get()));
  if (!gen_time) return fail(Errc::kMalformed, "time-stamp token: unreadable genTime");
  const X509StackViewPtr signers(PKCS7_get0_signers(p7.get(), nullptr, 0));
  if (!signers || sk_X509_num(signers.get()) != 1) {
    clear_ossl_errors();
    return fail(Errc::kMalformed, "time-stamp token: the TSA certificate is not embedded");
  }
  X509* tsa = sk_X509_value(signers.get(), 0);
  if (X509_up_ref(tsa) != 1) return fail(Errc::kInternal, "X509_up_ref failed");
  const X509_ALGOR* algo = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst.get()));
  const ASN1_OBJECT* algo_obj = nullptr;
  X509_ALGOR_get0(&algo_obj, nullptr, nullptr, algo);
  std::string imprint_algorithm = digest_nid_name(OBJ_obj2nid(algo_obj));
  if (imprint_algorithm.empty()) imprint_algorithm = oid_text(algo_obj);
  TimestampInfo info{*gen_time, Certificate(X509Ptr(tsa)),
                     asn1_integer_hex(TS_TST_INFO_get_serial(tst.get())),
                     std::move(imprint_algorithm)};
  return ParsedToken{std::move(p7), std::move(tst), std::move(info)};
}

// The token's own CMS signature, ESS binding and chain to the anchors at genTime, as OpenSSL's
// TS verifier checks them (purpose timestampsign: critical EKU with timeStamping only).
Result<void> verify_token_signature(const ParsedToken& token, const Bytes& expected_imprint,
                                    const AnchorSet& tsa_anchors) {
  const TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
  X509StorePtr store(X509_STORE_new());
  if (!ctx || !store) return fail(Errc::kCrypto, "out of memory: " + take_ossl_errors());
  for (const Certificate& anchor : tsa_anchors.anchors()) {
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
      return fail(Errc::kCrypto, "cannot add TSA anchor: " + take_ossl_errors());
    }
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()),
                             static_cast<time_t>(token.info.gen_time.time_since_epoch().count()));
  TS_VERIFY_CTX_set_store(ctx.get(), store.release());  // ctx owns it now
  STACK_OF(X509)* embedded = token.p7->d.sign != nullptr ? token.p7->d.sign->cert : nullptr;
  if (embedded != nullptr) {
    STACK_OF(X509)* untrusted = X509_chain_up_ref(embedded);
    if (untrusted == nullptr) return fail(Errc::kCrypto, "out of memory: " + take_ossl_errors());
    TS_VERIFY_CTX_set_certs(ctx.get(), untrusted);  // ctx owns it now
  }
  auto* imprint = static_cast<unsigned char*>(OPENSSL_malloc(expected_imprint.size()));
  if (imprint == nullptr) return fail(Errc::kCrypto, "out of memory");
  std::copy(expected_imprint.begin(), expected_imprint.end(), imprint);
  TS_VERIFY_CTX_set_imprint(ctx.get(), imprint, static_cast<long>(expected_imprint.size()));
  TS_VERIFY_CTX_set_flags(ctx.get(),
                          TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT | TS_VFY_SIGNER);
  if (TS_RESP_verify_token(ctx.get(), token.p7.get()) != 1) {
    return fail(Errc::kCrypto,
                "time-stamp token does not verify (bad signature or TSA certificate not trusted "
                "by the TSA anchors at genTime " +
                    format_rfc3339(token.info.gen_time) + "): " + take_ossl_errors());
  }
  return {};
}

}  // namespace

Result<TimestampInfo> parse_timestamp_token(std::span<const std::uint8_t> token_der) {
  auto token = parse_token(token_der);
  if (!token) return std::unexpected(token.error());
  return std::move(token->info);
}

Result<TimestampInfo> verify_timestamp_token(std::span<const std::uint8_t> token_der,
                                             std::span<const std::uint8_t> covered_data,
                                             const AnchorSet& tsa_anchors) {
  auto token = parse_token(token_der);
  if (!token) return std::unexpected(token.error());
  const auto alg = digest_from_name(token->info.imprint_algorithm);
  if (!alg) {
    return fail(Errc::kCrypto, "time-stamp imprint uses " + token->info.imprint_algorithm +
                                   "; sha256, sha384 or sha512 expected");
  }
  const Bytes expected = digest_bytes(*alg, covered_data);
  const Bytes actual =
      asn1_string_bytes(TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(token->tst.get())));
  if (expected.empty() || actual.size() != expected.size() ||
      CRYPTO_memcmp(actual.data(), expected.data(), expected.size()) != 0) {
    return fail(Errc::kCrypto, "message imprint does not match the covered data (token " +
                                   token->info.imprint_algorithm + " " + to_hex(actual) +
                                   ", computed " + to_hex(expected) + ")");
  }
  if (auto r = verify_token_signature(*token, expected, tsa_anchors); !r) {
    return std::unexpected(r.error());
  }
  // Our own path validation too: strict X.509 rules, the anchors' CRLs, weak algorithms.
  const Certificate& tsa = token->info.tsa_certificate;
  std::vector<Certificate> untrusted;
  STACK_OF(X509)* embedded = token->p7->d.sign != nullptr ? token->p7->d.sign->cert : nullptr;
  for (int i = 0; embedded != nullptr && i < sk_X509_num(embedded); ++i) {
    X509* cert = sk_X509_value(embedded, i);
    if (X509_up_ref(cert) != 1) return fail(Errc::kInternal, "X509_up_ref failed");
    untrusted.emplace_back(X509Ptr(cert));
  }
  const ChainResult chain =
      verify_chain(tsa, untrusted, tsa_anchors, {}, ChainOptions{.at = token->info.gen_time});
  if (!chain.ok) {
    return fail(Errc::kCrypto, "TSA certificate '" + tsa.subject() +
                                   "' is not trusted at genTime " +
                                   format_rfc3339(token->info.gen_time) + ": " + chain.detail);
  }
  const auto ekus = tsa.extended_key_usages();
  if (!ekus || std::find(ekus->begin(), ekus->end(), kOidTimeStampingEku) == ekus->end()) {
    return fail(Errc::kCrypto, "TSA certificate '" + tsa.subject() +
                                   "' lacks the timeStamping extended key usage");
  }
  clear_ossl_errors();
  return std::move(token->info);
}

}  // namespace signet::crypto

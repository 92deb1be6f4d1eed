#include "crypto/timestamp.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "crypto/asn1_util.hpp"

namespace signet::crypto {

namespace {

bool has_timestamping_eku(const Certificate& cert) {
  const auto ekus = cert.extended_key_usages();
  return ekus && std::find(ekus->begin(), ekus->end(), kOidTimeStampingEku) != ekus->end();
}

// TS_RESP_CTX callbacks: the TSA clock is the caller's time, the serial 128 random bits.
int fixed_time(TS_RESP_CTX* /*ctx*/, void* data, long* sec, long* usec) {
  *sec = static_cast<long>(*static_cast<const std::int64_t*>(data));
  *usec = 0;
  return 1;
}

ASN1_INTEGER* random_serial(TS_RESP_CTX* ctx, void* /*data*/) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) == 1) {
    bytes[0] &= 0x7f;  // positive, and never longer than 16 octets
    bytes[0] |= 0x01;  // never a short encoding
    const BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
    if (bn) {
      if (ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn.get(), nullptr); serial != nullptr) {
        return serial;
      }
    }
  }
  TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "cannot generate a serial number");
  TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
  return nullptr;
}

Result<Bytes> request_der(const TimestampRequest& request) {
  const Bytes digest = digest_bytes(request.imprint_alg, request.data);
  const TsReqPtr req(TS_REQ_new());
  const TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
  const X509AlgorPtr algo(X509_ALGOR_new());
  const BignumPtr nonce_bn(BN_new());
  if (digest.empty() || !req || !imprint || !algo || !nonce_bn) {
    return fail(Errc::kCrypto, "cannot build the time-stamp request: " + take_ossl_errors());
  }
  X509_ALGOR_set_md(algo.get(), digest_md(request.imprint_alg));
  if (BN_rand(nonce_bn.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return fail(Errc::kCrypto, "cannot make a nonce: " + take_ossl_errors());
  }
  const Asn1IntegerPtr nonce(BN_to_ASN1_INTEGER(nonce_bn.get(), nullptr));
  if (!nonce || TS_REQ_set_version(req.get(), 1) != 1 ||
      TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(), const_cast<unsigned char*>(digest.data()),
                             static_cast<int>(digest.size())) != 1 ||
      TS_REQ_set_msg_imprint(req.get(), imprint.get()) != 1 ||
      TS_REQ_set_nonce(req.get(), nonce.get()) != 1 || TS_REQ_set_cert_req(req.get(), 1) != 1) {
    return fail(Errc::kCrypto, "cannot build the time-stamp request: " + take_ossl_errors());
  }
  Bytes der = i2d_to_bytes<TS_REQ>(i2d_TS_REQ, req.get());
  if (der.empty()) return fail(Errc::kCrypto, "cannot encode the request: " + take_ossl_errors());
  return der;
}

Result<TsRespCtxPtr> responder(const SigningKey& tsa_key, const TimestampRequest& request,
                               const std::int64_t* gen_time) {
  const Certificate& cert = tsa_key.certificate();
  TsRespCtxPtr ctx(TS_RESP_CTX_new());
  const X509StackViewPtr chain(sk_X509_new_null());
  const Asn1ObjectPtr policy(OBJ_txt2obj(request.policy_oid.c_str(), 1));
  if (!ctx || !chain) return fail(Errc::kCrypto, "out of memory: " + take_ossl_errors());
  if (!policy) {
    clear_ossl_errors();
    return fail(Errc::kUsage, "TSA policy is not a dotted OID: '" + request.policy_oid + "'");
  }
  if (TS_RESP_CTX_set_signer_cert(ctx.get(), cert.get()) != 1) {
    return fail(Errc::kUsage, "TSA certificate '" + cert.subject() +
                                  "' is not usable for time-stamping (RFC 3161 2.3: a critical "
                                  "extendedKeyUsage with only timeStamping): " +
                                  take_ossl_errors());
  }
  for (const Certificate& c : tsa_key.chain()) {
    if (sk_X509_push(chain.get(), c.get()) <= 0) return fail(Errc::kCrypto, "out of memory");
  }
  if (TS_RESP_CTX_set_signer_key(ctx.get(), tsa_key.pkey()) != 1 ||
      TS_RESP_CTX_set_certs(ctx.get(), chain.get()) != 1 ||
      TS_RESP_CTX_set_def_policy(ctx.get(), policy.get()) != 1 ||
      TS_RESP_CTX_add_md(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_add_md(ctx.get(), EVP_sha384()) != 1 ||
      TS_RESP_CTX_add_md(ctx.get(), EVP_sha512()) != 1 ||
      TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) != 1) {
    return fail(Errc::kCrypto, "cannot configure the TSA: " + take_ossl_errors());
  }
  TS_RESP_CTX_set_serial_cb(ctx.get(), random_serial, nullptr);
  TS_RESP_CTX_set_time_cb(ctx.get(), fixed_time, const_cast<std::int64_t*>(gen_time));
  return ctx;
}

std::string status_text(TS_RESP* resp) {
  const TS_STATUS_INFO* info = TS_RESP_get_status_info(resp);
  const auto* texts = TS_STATUS_INFO_get0_text(info);
  std::string out = "status " + std::to_string(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info)));
  if (texts != nullptr && sk_ASN1_UTF8STRING_num(texts) > 0) {
    const Bytes text = asn1_string_bytes(sk_ASN1_UTF8STRING_value(texts, 0));
    out += ": " + std::string(text.begin(), text.end());
  }
  return out;
}

}  // namespace

Result<Bytes> create_timestamp_token(const TimestampRequest& request, const SigningKey& tsa_key) {
  const Certificate& cert = tsa_key.certificate();
  if (tsa_key.pkey() == nullptr || cert.get() == nullptr) {
    return fail(Errc::kKeyUnavailable, "TSA key has no key or no certificate");
  }
  if (!has_timestamping_eku(cert)) {
    return fail(Errc::kUsage,
                "TSA certificate '" + cert.subject() +
                    "' lacks the timeStamping extended key usage (1.3.6.1.5.5.7.3.8)");
  }
  const std::int64_t gen_time = request.gen_time.time_since_epoch().count();
  auto ctx = responder(tsa_key, request, &gen_time);
  if (!ctx) return std::unexpected(ctx.error());
  auto der = request_der(request);
  if (!der) return std::unexpected(der.error());

  const BioPtr bio(BIO_new_mem_buf(der->data(), static_cast<int>(der->size())));
  if (!bio) return fail(Errc::kCrypto, "out of memory: " + take_ossl_errors());
  const TsRespPtr resp(TS_RESP_create_response(ctx->get(), bio.get()));
  if (!resp) return fail(Errc::kCrypto, "the TSA produced no response: " + take_ossl_errors());
  const long status =
      ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())));
  if (status != TS_STATUS_GRANTED) {
    return fail(Errc::kCrypto, "the TSA refused the request (" + status_text(resp.get()) +
                                   "): " + take_ossl_errors());
  }
  Bytes token = i2d_to_bytes<PKCS7>(i2d_PKCS7, TS_RESP_get_token(resp.get()));
  if (token.empty()) return fail(Errc::kCrypto, "cannot encode the token: " + take_ossl_errors());
  return token;
}

}  // namespace signet::crypto

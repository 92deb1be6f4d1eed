// Checkpoint signatures of the audit log: detached CMS SignedData (the project's CMS code, the
// same profile as native signatures) over checkpoint_content(), stored base64 in the record.
#include <openssl/evp.h>

#include "crypto/certificate.hpp"
#include "crypto/cms_signed_data.hpp"
#include "crypto/x509_verify.hpp"
#include "telemetry/audit_log.hpp"

namespace signet::telemetry {
namespace {

std::string base64(std::span<const std::uint8_t> der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), der.data(),
                                static_cast<int>(der.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::optional<Bytes> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > (1u << 24)) return std::nullopt;
  Bytes out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock keeps the zero bytes that stand for '=' padding.
  if (text.back() == '=') --len;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

class CmsCheckpointSigner final : public CheckpointSigner {
 public:
  CmsCheckpointSigner(std::string key_ref, std::filesystem::path cert_file)
      : key_ref_(std::move(key_ref)), cert_file_(std::move(cert_file)) {}

  Result<std::string> sign(std::string_view content, TimePoint now) override {
    if (!key_) {
      auto certs = crypto::Certificate::load_pem_file(cert_file_);
      if (!certs) return std::unexpected(certs.error());
      std::vector<crypto::Certificate> chain(certs->begin() + 1, certs->end());
      auto key = crypto::SigningKey::load(key_ref_, certs->front(), std::move(chain));
      if (!key) return std::unexpected(key.error());
      key_.emplace(std::move(*key));
    }
    crypto::CmsSignOptions options;
    options.signing_time = now;
    options.detached = true;
    const crypto::SigningKey* keys[] = {&*key_};
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(content.data());
    auto der = crypto::cms_sign({bytes, content.size()}, keys, options);
    if (!der) return std::unexpected(der.error());
    return base64(*der);
  }

 private:
  std::string key_ref_;
  std::filesystem::path cert_file_;
  std::optional<crypto::SigningKey> key_;
};

bool issued_by_pinned(const crypto::Certificate& leaf, const crypto::CmsSignedData& cms,
                      const std::vector<crypto::Certificate>& pinned, TimePoint at) {
  for (const auto& p : pinned) {
    if (p == leaf) return true;
  }
  auto anchors = crypto::AnchorSet::create(pinned, {});
  if (!anchors) return false;
  crypto::ChainOptions options;
  options.at = at;
  options.allow_partial_chain = true;
  return crypto::verify_chain(leaf, cms.certificates, *anchors, {}, options).ok;
}

}  // namespace

std::unique_ptr<CheckpointSigner> make_cms_checkpoint_signer(std::string key_ref,
                                                             std::filesystem::path cert_file) {
  return std::make_unique<CmsCheckpointSigner>(std::move(key_ref), std::move(cert_file));
}

CheckpointVerifier make_cms_checkpoint_verifier(std::vector<crypto::Certificate> pinned) {
  return [pinned = std::move(pinned)](std::string_view content,
                                      std::string_view signature_b64) -> SignatureCheck {
    auto der = unbase64(signature_b64);
    if (!der) return {false, "", "signature is not base64"};
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(content.data());
    auto cms = crypto::cms_parse(*der, std::span<const std::uint8_t>(bytes, content.size()));
    if (!cms) return {false, "", "signature is not a CMS SignedData: " + cms.error().message};
    if (cms->signers.size() != 1) return {false, "", "a checkpoint has exactly one signer"};
    const auto& signer = cms->signers.front();
    if (!signer.certificate) return {false, "", "the signer's certificate is not embedded"};
    const std::string subject = signer.certificate->subject();
    if (!signer.signature_valid) {
      return {false, subject, "signature does not verify: " + signer.signature_error};
    }
    if (!pinned.empty()) {
      const TimePoint at = signer.signing_time.value_or(signer.certificate->not_before());
      if (!issued_by_pinned(*signer.certificate, *cms, pinned, at)) {
        return {false, subject, "signed by " + subject + ", which --cert does not vouch for"};
      }
    }
    return {true, subject, ""};
  };
}

}  // namespace signet::telemetry

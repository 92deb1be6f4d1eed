#include "formats/minisign.hpp"

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base64.hpp"
#include "core/raw_public_key.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signature_verify.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::formats {
namespace {

constexpr std::string_view kUntrusted = "untrusted comment: ";
constexpr std::string_view kTrusted = "trusted comment: ";
constexpr std::size_t kMaxSignatureFile = 64 * 1024;
constexpr std::size_t kKeyIdSize = 8;
constexpr std::size_t kSignatureSize = 64;

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Lines without their "\n" or "\r\n"; trailing empty lines dropped.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

Result<void> ed25519_verify(std::span<const std::uint8_t> public_key,
                            std::span<const std::uint8_t> message,
                            std::span<const std::uint8_t> signature, const std::string& what) {
  const crypto::EvpPkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!key) {
    crypto::clear_ossl_errors();
    return fail(Errc::kCrypto, "not an Ed25519 public key");
  }
  auto verified = crypto::verify_signature(
      key.get(), crypto::SignatureParams{crypto::SignatureScheme::kEd25519}, message, signature);
  if (!verified) return fail(Errc::kCrypto, what + " does not verify with this key");
  return {};
}

Bytes blake2b512(std::span<const std::uint8_t> data) {
  Bytes out(64);
  unsigned int len = 0;
  if (EVP_Digest(data.empty() ? reinterpret_cast<const unsigned char*>("") : data.data(),
                 data.size(), out.data(), &len, EVP_blake2b512(), nullptr) != 1 ||
      len != out.size()) {
    return {};
  }
  return out;
}

SignerEvidence raw_key_signer(KeyReference::Kind kind, Bytes key_id, std::string digest) {
  SignerEvidence signer;
  signer.signature_algorithm = "ed25519";
  signer.digest_algorithm = std::move(digest);
  KeyReference ref;
  ref.kind = kind;
  ref.key_id = std::move(key_id);
  signer.key_reference = std::move(ref);
  return signer;
}

CoveredArtifact signed_directly(std::span<const std::uint8_t> content, const ArtifactName& name) {
  return CoveredArtifact{name.of(content), true,
                         "the signature is over the file's bytes; it is checked with the "
                         "publisher's key"};
}

Result<std::vector<std::string_view>> checked_lines(std::span<const std::uint8_t> signature,
                                                    std::string_view format) {
  if (signature.size() > kMaxSignatureFile) {
    return fail(Errc::kMalformed, std::string(format) + " signature file is too large");
  }
  auto lines = lines_of(as_text(signature));
  if (lines.empty() || !lines.front().starts_with(kUntrusted)) {
    return fail(Errc::kMalformed,
                std::string(format) + " signature must start with \"untrusted comment: \"");
  }
  return lines;
}

}  // namespace

bool looks_like_minisign(std::span<const std::uint8_t> signature) {
  if (signature.size() > kMaxSignatureFile) return false;
  const auto lines = lines_of(as_text(signature));
  return lines.size() >= 3 && lines[0].starts_with(kUntrusted) && lines[2].starts_with(kTrusted);
}

bool looks_like_signify(std::span<const std::uint8_t> signature) {
  if (signature.size() > kMaxSignatureFile) return false;
  const auto lines = lines_of(as_text(signature));
  return lines.size() == 2 && lines[0].starts_with(kUntrusted);
}

Result<SignatureEvidence> parse_minisign(std::span<const std::uint8_t> signature,
                                         std::span<const std::uint8_t> content,
                                         const ArtifactName& name) {
  auto lines = checked_lines(signature, "minisign");
  if (!lines) return std::unexpected(lines.error());
  if (lines->size() != 4 || !(*lines)[2].starts_with(kTrusted)) {
    return fail(Errc::kMalformed,
                "minisign signature needs 4 lines: untrusted comment, "
                "signature, trusted comment, global signature");
  }
  const auto sig = base64_decode((*lines)[1]);
  const auto global = base64_decode((*lines)[3]);
  if (!sig || sig->size() != 2 + kKeyIdSize + kSignatureSize) {
    return fail(Errc::kMalformed, "minisign signature line is not base64 of 74 bytes");
  }
  if (!global || global->size() != kSignatureSize) {
    return fail(Errc::kMalformed, "minisign global signature is not base64 of 64 bytes");
  }
  const std::string algorithm(sig->begin(), sig->begin() + 2);
  if (algorithm != "Ed" && algorithm != "ED") {
    return fail(Errc::kMalformed,
                "minisign signature algorithm '" + algorithm + "' (Ed or ED expected)");
  }
  const bool prehashed = algorithm == "ED";
  const Bytes key_id(sig->begin() + 2, sig->begin() + 2 + kKeyIdSize);
  const Bytes sig_bytes(sig->begin() + 2 + kKeyIdSize, sig->end());
  const std::string trusted((*lines)[2].substr(kTrusted.size()));

  SignatureEvidence evidence;
  evidence.format = "minisign";
  SignerEvidence signer =
      raw_key_signer(KeyReference::Kind::kMinisign, key_id, prehashed ? "blake2b512" : "");
  // What the check needs, captured once: the message (or its BLAKE2b-512) and the global message.
  auto message = std::make_shared<const Bytes>(prehashed ? blake2b512(content)
                                                         : Bytes(content.begin(), content.end()));
  Bytes global_message = sig_bytes;
  global_message.insert(global_message.end(), trusted.begin(), trusted.end());
  signer.key_reference->check_raw_key =
      [message, sig_bytes, global_message = std::move(global_message),
       global_sig = *global](std::span<const std::uint8_t> key) -> Result<void> {
    if (auto ok = ed25519_verify(key, *message, sig_bytes, "the signature over the file"); !ok) {
      return ok;
    }
    return ed25519_verify(key, global_message, global_sig,
                          "the global signature over signature and trusted comment");
  };
  evidence.signers.push_back(std::move(signer));
  evidence.covered.push_back(signed_directly(content, name));
  evidence.details.emplace_back("algorithm", prehashed ? "ED (BLAKE2b-512 prehashed)" : "Ed");
  evidence.details.emplace_back("key id", key_id_text(key_id));
  evidence.details.emplace_back("trusted comment", trusted);
  evidence.details.emplace_back("untrusted comment (not authenticated)",
                                std::string((*lines)[0].substr(kUntrusted.size())));
  return evidence;
}

Result<SignatureEvidence> parse_signify(std::span<const std::uint8_t> signature,
                                        std::span<const std::uint8_t> content,
                                        const ArtifactName& name) {
  auto lines = checked_lines(signature, "signify");
  if (!lines) return std::unexpected(lines.error());
  if (lines->size() != 2) {
    return fail(Errc::kMalformed,
                "signify signature needs 2 lines (embedded messages are not "
                "supported: verify the detached form)");
  }
  const auto sig = base64_decode((*lines)[1]);
  if (!sig || sig->size() != 2 + kKeyIdSize + kSignatureSize || (*sig)[0] != 'E' ||
      (*sig)[1] != 'd') {
    return fail(Errc::kMalformed,
                "signify signature line is not base64 of \"Ed\", key number "
                "and a 64-byte signature");
  }
  const Bytes key_id(sig->begin() + 2, sig->begin() + 2 + kKeyIdSize);
  SignatureEvidence evidence;
  evidence.format = "signify";
  SignerEvidence signer = raw_key_signer(KeyReference::Kind::kSignify, key_id, "");
  auto message = std::make_shared<const Bytes>(content.begin(), content.end());
  signer.key_reference->check_raw_key =
      [message, sig_bytes = Bytes(sig->begin() + 2 + kKeyIdSize, sig->end())](
          std::span<const std::uint8_t> key) -> Result<void> {
    return ed25519_verify(key, *message, sig_bytes, "the signature over the file");
  };
  evidence.signers.push_back(std::move(signer));
  evidence.covered.push_back(signed_directly(content, name));
  evidence.details.emplace_back("key number", key_id_text(key_id));
  evidence.details.emplace_back("untrusted comment (not authenticated)",
                                std::string((*lines)[0].substr(kUntrusted.size())));
  return evidence;
}

}  // namespace signet::formats

#include "formats/authenticode_pe.hpp"

#include <future>
#include <map>
#include <string>
#include <utility>

#include "formats/authenticode_detail.hpp"
#include "formats/pe_image.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::formats {
namespace {

using authenticode_detail::ImageDigestClaim;
using authenticode_detail::ParsedSignatures;

// Large images: the whole-file SHA-256 (the artifact's identity) runs beside the image digest.
constexpr std::size_t kParallelHashThreshold = std::size_t{4} << 20;

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case 0x14c:
      return "i386";
    case 0x8664:
      return "x86-64";
    case 0xaa64:
      return "arm64";
    case 0x1c4:
      return "arm";
    case 0x5064:
      return "riscv64";
    default:
      return "0x" + to_hex(Bytes{static_cast<std::uint8_t>(machine >> 8),
                                 static_cast<std::uint8_t>(machine)});
  }
}

// Every claim must equal the image digest computed with its algorithm (each computed once).
CoveredArtifact check_claims(std::span<const std::uint8_t> file, const PeImage& image,
                             const std::vector<ImageDigestClaim>& claims,
                             SignatureEvidence& evidence) {
  CoveredArtifact covered;
  covered.content_verified = !claims.empty();
  covered.detail = claims.empty() ? "no signature states an image digest"
                                  : "every signature's image digest equals the file's";
  std::map<std::string, Bytes> computed;
  for (const auto& claim : claims) {
    auto [it, fresh] = computed.try_emplace(claim.algorithm);
    if (fresh) it->second = authenticode_image_digest(file, image, claim.algorithm);
    evidence.details.emplace_back("image digest (" + claim.position + ")",
                                  claim.algorithm + ":" + to_hex(claim.digest));
    if (it->second.empty() || it->second != claim.digest) {
      if (covered.content_verified) {
        covered.detail = claim.position + ": signed image digest " + claim.algorithm + ":" +
                         to_hex(claim.digest) + ", the file's is " +
                         (it->second.empty() ? std::string("not computable") : to_hex(it->second));
      }
      covered.content_verified = false;
    }
  }
  return covered;
}

}  // namespace

Result<SignatureEvidence> parse_authenticode(std::span<const std::uint8_t> file,
                                             const ArtifactName& name) {
  auto image = parse_pe_image(file);
  if (!image) return std::unexpected(image.error());
  std::future<std::string> whole_file;
  if (name.computed() && file.size() >= kParallelHashThreshold) {
    whole_file = std::async(std::launch::async, [file] { return sha256_hex(file); });
  }

  SignatureEvidence evidence;
  evidence.format = "authenticode";
  evidence.details.emplace_back(
      "pe", std::string(image->pe32_plus ? "PE32+" : "PE32") + " " + machine_name(image->machine) +
                (image->subsystem >= 10 && image->subsystem <= 13 ? " (EFI)" : ""));
  ParsedSignatures parsed;
  std::size_t index = 0;
  for (const auto& entry : image->certificates) {
    ++index;
    const std::string position = "WIN_CERTIFICATE " + std::to_string(index);
    if (entry.type != kWinCertTypePkcsSignedData) {
      evidence.details.emplace_back(
          position, "type " + std::to_string(entry.type) + " (not PKCS#7 SignedData): ignored");
      continue;
    }
    authenticode_detail::parse_signed_data(entry.certificate, position, /*depth=*/1, parsed);
  }
  CoveredArtifact covered = check_claims(file, *image, parsed.claims, evidence);
  covered.sha256 = whole_file.valid() ? whole_file.get() : name.of(file);
  evidence.covered.push_back(std::move(covered));
  evidence.signers = std::move(parsed.signers);
  evidence.certificates = std::move(parsed.certificates);
  evidence.crls = std::move(parsed.crls);
  evidence.problems = std::move(parsed.problems);
  return evidence;
}

}  // namespace signet::formats

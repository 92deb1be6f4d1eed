#include "formats/rauc_bundle.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/cms_signed_data.hpp"
#include "formats/dm_verity.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::formats {
namespace {

constexpr std::size_t kSizeField = 8;
constexpr std::size_t kMaxCmsSize = std::size_t{64} << 20;
constexpr std::string_view kSquashfsMagic = "hsqs";

// "[section]" + "key=value" lines; the last value of a repeated key wins, as in GLib's key files.
std::map<std::string, std::string> ini_section(std::string_view text, std::string_view section) {
  std::map<std::string, std::string> out;
  bool inside = false;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      inside = line.size() >= 2 && line.back() == ']' && line.substr(1, line.size() - 2) == section;
      continue;
    }
    const std::size_t eq = line.find('=');
    if (inside && eq != std::string_view::npos) {
      out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
  }
  return out;
}

std::string value_or(const std::map<std::string, std::string>& section, const std::string& key) {
  const auto it = section.find(key);
  return it == section.end() ? std::string() : it->second;
}

// The dm-verity check of a verity bundle's payload against its signed manifest.
Result<CoveredArtifact> check_verity_payload(std::span<const std::uint8_t> payload,
                                             const std::map<std::string, std::string>& bundle) {
  const auto root = from_hex(value_or(bundle, "verity-hash"));
  const auto salt = from_hex(value_or(bundle, "verity-salt"));
  const std::string size_text = value_or(bundle, "verity-size");
  std::size_t tree_size = 0;
  const auto parsed =
      std::from_chars(size_text.data(), size_text.data() + size_text.size(), tree_size);
  if (!root || root->size() != 32 || !salt || salt->empty() || size_text.empty() ||
      parsed.ec != std::errc() || parsed.ptr != size_text.data() + size_text.size()) {
    return fail(
        Errc::kMalformed,
        "verity manifest needs verity-hash (32 bytes hex), verity-salt (hex) and verity-size");
  }
  CoveredArtifact covered;
  if (tree_size >= payload.size() || (payload.size() - tree_size) % kVerityBlockSize != 0) {
    covered.detail = "payload of " + std::to_string(payload.size()) +
                     " bytes does not hold whole 4096-byte blocks plus a " +
                     std::to_string(tree_size) + "-byte hash tree";
    return covered;
  }
  const auto data = payload.first(payload.size() - tree_size);
  const VerityTree tree = compute_verity_tree(data, *salt);
  if (tree.tree_size != tree_size) {
    covered.detail = "manifest says verity-size " + std::to_string(tree_size) + ", the " +
                     std::to_string(data.size()) + "-byte image needs " +
                     std::to_string(tree.tree_size);
  } else if (tree.root_hash != *root) {
    covered.detail = "dm-verity root hash of the image is " + to_hex(tree.root_hash) +
                     ", the signed manifest says " + to_hex(*root);
  } else {
    covered.content_verified = true;
    covered.detail = "dm-verity root hash of the " + std::to_string(data.size()) +
                     "-byte image equals the signed manifest's";
  }
  return covered;
}

}  // namespace

bool looks_like_rauc_bundle(std::span<const std::uint8_t> file) {
  if (file.size() < kSquashfsMagic.size() + kSizeField ||
      !std::equal(kSquashfsMagic.begin(), kSquashfsMagic.end(), file.begin())) {
    return false;
  }
  std::uint64_t size = 0;
  for (std::size_t i = file.size() - kSizeField; i < file.size(); ++i) size = (size << 8) | file[i];
  return size > 0 && size <= file.size() - kSizeField - kSquashfsMagic.size();
}

Result<SignatureEvidence> parse_rauc_bundle(std::span<const std::uint8_t> file,
                                            const ArtifactName& name) {
  if (!looks_like_rauc_bundle(file)) {
    return fail(Errc::kMalformed, "not a RAUC bundle (squashfs magic, CMS size at the end)");
  }
  std::uint64_t cms_size = 0;
  for (std::size_t i = file.size() - kSizeField; i < file.size(); ++i) {
    cms_size = (cms_size << 8) | file[i];
  }
  if (cms_size > kMaxCmsSize) {
    return fail(Errc::kMalformed, "CMS size field claims " + std::to_string(cms_size) + " bytes");
  }
  const std::size_t payload_size = file.size() - kSizeField - static_cast<std::size_t>(cms_size);
  const auto payload = file.first(payload_size);
  const auto cms_der = file.subspan(payload_size, static_cast<std::size_t>(cms_size));
  auto cms = crypto::cms_parse(cms_der, payload);
  if (!cms) return std::unexpected(cms.error());

  SignatureEvidence evidence;
  evidence.format = "rauc";
  const std::string file_sha256 = name.of(file);
  if (cms->detached) {
    evidence.details.emplace_back("bundle format", "plain");
    CoveredArtifact covered = cms_covered_artifact(*cms, file_sha256);
    if (covered.content_verified) covered.detail = "CMS messageDigest equals the payload's digest";
    evidence.covered.push_back(std::move(covered));
  } else {
    const std::string_view manifest(reinterpret_cast<const char*>(cms->content.data()),
                                    cms->content.size());
    const auto bundle = ini_section(manifest, "bundle");
    const std::string format = value_or(bundle, "format");
    evidence.details.emplace_back("bundle format", format.empty() ? "(none)" : format);
    const auto update = ini_section(manifest, "update");
    evidence.details.emplace_back("compatible", value_or(update, "compatible"));
    evidence.details.emplace_back("version", value_or(update, "version"));
    if (format != "verity") {
      return fail(Errc::kMalformed, "bundle format '" + format +
                                        "' with an encapsulated manifest (signet checks verity)");
    }
    auto covered = check_verity_payload(payload, bundle);
    if (!covered) return std::unexpected(covered.error());
    covered->sha256 = file_sha256;
    evidence.covered.push_back(std::move(*covered));
  }
  for (std::size_t i = 0; i < cms->signers.size(); ++i) {
    evidence.signers.push_back(third_party_cms_signer(cms->signers[i], i, CmsSource{}));
  }
  evidence.certificates = std::move(cms->certificates);
  evidence.crls = std::move(cms->crls);
  return evidence;
}

}  // namespace signet::formats

#include "formats/detect.hpp"

#include <array>
#include <string>
#include <utility>

#include "crypto/cms_signed_data.hpp"
#include "formats/authenticode_pe.hpp"
#include "formats/detached_cms.hpp"
#include "formats/kmod_signature.hpp"
#include "formats/minisign.hpp"
#include "formats/native_signature.hpp"
#include "formats/pe_image.hpp"
#include "formats/rauc_bundle.hpp"

namespace signet::formats {
namespace {

constexpr std::array<std::pair<std::string_view, Format>, 7> kNames{{
    {"signet", Format::kSignet},
    {"cms-detached", Format::kCmsDetached},
    {"authenticode", Format::kAuthenticode},
    {"kmod", Format::kKmod},
    {"rauc", Format::kRauc},
    {"minisign", Format::kMinisign},
    {"signify", Format::kSignify},
}};

}  // namespace

std::string_view format_name(Format format) noexcept {
  for (const auto& [name, value] : kNames) {
    if (value == format) return name;
  }
  return "?";
}

std::optional<Format> format_from_name(std::string_view name) noexcept {
  for (const auto& [text, value] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool is_embedded(Format format) noexcept {
  return format == Format::kAuthenticode || format == Format::kKmod || format == Format::kRauc;
}

std::optional<Format> detect_embedded(std::span<const std::uint8_t> artifact) {
  if (looks_like_pe(artifact)) return Format::kAuthenticode;
  if (has_module_signature(artifact)) return Format::kKmod;
  if (looks_like_rauc_bundle(artifact)) return Format::kRauc;
  return std::nullopt;
}

std::optional<Format> detect_signature_file(std::span<const std::uint8_t> signature) {
  if (looks_like_minisign(signature)) return Format::kMinisign;
  if (looks_like_signify(signature)) return Format::kSignify;
  auto der = cms_der_from_der_or_pem(signature);
  if (!der) return std::nullopt;
  const bool pem = der->size() != signature.size();
  auto cms = crypto::cms_parse(*der);
  if (!cms) return pem ? std::optional(Format::kCmsDetached) : std::nullopt;
  return cms->detached || pem ? Format::kCmsDetached : Format::kSignet;
}

Result<SignatureEvidence> parse_unit(Format format, std::span<const std::uint8_t> artifact,
                                     std::optional<std::span<const std::uint8_t>> signature,
                                     const ArtifactName& name);

Result<SignatureEvidence> parse_format(Format format, std::span<const std::uint8_t> artifact,
                                       std::optional<std::span<const std::uint8_t>> signature,
                                       const ArtifactName& name) {
  if (!is_embedded(format) && !signature) {
    return fail(Errc::kUsage, std::string(format_name(format)) + " needs a signature file");
  }
  auto evidence = parse_unit(format, artifact, signature, name);
  if (evidence && format != Format::kSignet) evidence->strict_chain = false;
  return evidence;
}

Result<SignatureEvidence> parse_unit(Format format, std::span<const std::uint8_t> artifact,
                                     std::optional<std::span<const std::uint8_t>> signature,
                                     const ArtifactName& name) {
  switch (format) {
    case Format::kSignet:
      return parse_native_signature(*signature);
    case Format::kCmsDetached:
      return parse_detached_cms(*signature, artifact, name);
    case Format::kAuthenticode:
      return parse_authenticode(artifact, name);
    case Format::kKmod:
      return parse_kmod_signature(artifact, name);
    case Format::kRauc:
      return parse_rauc_bundle(artifact, name);
    case Format::kMinisign:
      return parse_minisign(*signature, artifact, name);
    case Format::kSignify:
      return parse_signify(*signature, artifact, name);
  }
  return fail(Errc::kInternal, "unknown format");
}

}  // namespace signet::formats

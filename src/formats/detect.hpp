// Which signature format a file is, and the one entry point that runs its unit. Pure: bytes in,
// evidence out; finding files (FILE.sig, FILE.p7s, FILE.minisig) is the caller's job.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

enum class Format { kSignet, kCmsDetached, kAuthenticode, kKmod, kRauc, kMinisign, kSignify };

// "signet", "cms-detached", "authenticode", "kmod", "rauc", "minisign", "signify".
[[nodiscard]] std::string_view format_name(Format format) noexcept;
[[nodiscard]] std::optional<Format> format_from_name(std::string_view name) noexcept;

// Formats whose signature sits inside the artifact (no separate signature file).
[[nodiscard]] bool is_embedded(Format format) noexcept;

// An artifact that carries its own signature: a PE image, a module with the signature marker, a
// RAUC bundle. nullopt for anything else.
[[nodiscard]] std::optional<Format> detect_embedded(std::span<const std::uint8_t> artifact);

// A separate signature file: minisign or signify text, PEM CMS, or DER CMS (native signet when it
// encapsulates content, detached CMS when not). nullopt when it is none of these.
[[nodiscard]] std::optional<Format> detect_signature_file(std::span<const std::uint8_t> signature);

// Runs the format's unit. `signature` is ignored by embedded formats and required by the others;
// `name` says how the covered artifact is named (evidence.hpp, ArtifactName).
[[nodiscard]] Result<SignatureEvidence> parse_format(
    Format format, std::span<const std::uint8_t> artifact,
    std::optional<std::span<const std::uint8_t>> signature, const ArtifactName& name = {});

}  // namespace signet::formats

// minisign (legacy "Ed": Ed25519 over the file; prehashed "ED": Ed25519 over BLAKE2b-512 of the
// file) and signify (Ed25519 over the file) detached signatures. Neither names a certificate: the
// signer is a key number, and a publisher with `minisign_key` / `signify_key` supplies the key.
#pragma once

#include <span>

#include "core/error.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

// True when the text looks like a minisign signature (has a "trusted comment: " line) or a signify
// one ("untrusted comment: " then one base64 line), for format detection.
[[nodiscard]] bool looks_like_minisign(std::span<const std::uint8_t> signature);
[[nodiscard]] bool looks_like_signify(std::span<const std::uint8_t> signature);

// Format "minisign": four lines (untrusted comment, signature, trusted comment, global signature).
// The check verifies the signature over the file (or its BLAKE2b-512) and the global signature
// over signature || trusted comment, so an altered trusted comment is BAD_SIGNATURE.
[[nodiscard]] Result<SignatureEvidence> parse_minisign(std::span<const std::uint8_t> signature,
                                                       std::span<const std::uint8_t> content,
                                                       const ArtifactName& name = {});

// Format "signify": two lines (untrusted comment, "Ed" || key number || signature), detached.
[[nodiscard]] Result<SignatureEvidence> parse_signify(std::span<const std::uint8_t> signature,
                                                      std::span<const std::uint8_t> content,
                                                      const ArtifactName& name = {});

}  // namespace signet::formats

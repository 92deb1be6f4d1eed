// RAUC update bundles: a squashfs image, a CMS SignedData (DER) and the SignedData's size as a
// big-endian 64-bit integer at the very end. "plain" bundles sign the squashfs detached; "verity"
// bundles sign a manifest (INI) whose [bundle] section carries the dm-verity root hash, salt and
// hash-tree size of the payload, which is checked here by recomputing the tree.
#pragma once

#include <span>

#include "core/error.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

// True when the file starts with a squashfs superblock magic and ends with a plausible CMS size.
[[nodiscard]] bool looks_like_rauc_bundle(std::span<const std::uint8_t> file);

// Format "rauc". The covered artifact is the bundle file: verified when the CMS messageDigest
// (plain) or the recomputed dm-verity root hash (verity) matches. A size field that does not fit,
// a manifest without the verity fields, or an unknown bundle format is Errc::kMalformed.
[[nodiscard]] Result<SignatureEvidence> parse_rauc_bundle(std::span<const std::uint8_t> file,
                                                          const ArtifactName& name = {});

}  // namespace signet::formats

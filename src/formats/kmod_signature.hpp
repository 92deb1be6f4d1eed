// Linux kernel module signatures: module bytes, a detached PKCS#7/CMS SignedData, the 12-byte
// `module_signature` header and the "~Module signature appended~\n" marker. The SignedData carries
// no certificates; its signer is named by issuer and serial (or subject key identifier), and the
// policy supplies the certificate from the trust store, as the kernel does from its keyrings.
#pragma once

#include <span>

#include "core/error.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

// True when the file ends with the module signature marker.
[[nodiscard]] bool has_module_signature(std::span<const std::uint8_t> file);

// Format "kmod". A module without the marker gives evidence without signers (UNSIGNED). A header
// whose lengths do not fit the file, a non-PKCS#7 id_type, or a SignedData that is not detached is
// Errc::kMalformed.
[[nodiscard]] Result<SignatureEvidence> parse_kmod_signature(std::span<const std::uint8_t> file,
                                                             const ArtifactName& name = {});

}  // namespace signet::formats

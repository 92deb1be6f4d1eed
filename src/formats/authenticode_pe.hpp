// Authenticode signatures of PE32/PE32+ images, EFI binaries included: every WIN_CERTIFICATE of
// type PKCS_SIGNED_DATA, each a PKCS#7 SignedData over SpcIndirectDataContent, nested signatures
// (1.3.6.1.4.1.311.2.4.1), RFC 3161 timestamps (1.3.6.1.4.1.311.3.3.1) and legacy PKCS#9
// countersignatures. The image digest of every signature is compared with the file's.
#pragma once

#include <span>

#include "core/error.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

// Format "authenticode". Each SignerInfo (nested ones too) is one signer, with `position` saying
// where it sits. An image without a certificate table gives evidence without signers (UNSIGNED).
// The covered artifact is the file itself: verified when every signature's image digest equals
// the file's. Errc::kMalformed when the PE headers or the certificate table are inconsistent.
[[nodiscard]] Result<SignatureEvidence> parse_authenticode(std::span<const std::uint8_t> file,
                                                           const ArtifactName& name = {});

}  // namespace signet::formats

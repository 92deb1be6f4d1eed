// Detached CMS / PKCS#7 (FILE + FILE.p7s or FILE.sig, DER or PEM): a SignedData without eContent
// whose signers sign FILE's bytes. Vendors ship firmware this way; RAUC's plain bundles too.
#pragma once

#include <span>

#include "core/error.hpp"
#include "formats/evidence.hpp"

namespace signet::formats {

// DER, or PEM ("-----BEGIN PKCS7-----" / "CMS" / "PKCS #7 SIGNED DATA"): one block, nothing but
// whitespace around it. Errc::kMalformed otherwise.
[[nodiscard]] Result<Bytes> cms_der_from_der_or_pem(std::span<const std::uint8_t> signature);

// Parses the signature and checks it against `content`. A SignedData that carries its own content
// is Errc::kMalformed (it is not detached). Format "cms-detached".
[[nodiscard]] Result<SignatureEvidence> parse_detached_cms(std::span<const std::uint8_t> signature,
                                                           std::span<const std::uint8_t> content,
                                                           const ArtifactName& name = {});

}  // namespace signet::formats

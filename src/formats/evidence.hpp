// Normalized signature evidence: what every format unit produces and what policy evaluates.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "formats/statement.hpp"

namespace signet::formats {

// A legacy Authenticode timestamp: a PKCS#9 countersignature (1.2.840.113549.1.9.6) instead of an
// RFC 3161 token. The format unit checks its cryptography (signature over its signed attributes,
// messageDigest = digest of the countersigned signature value); the policy judges the
// countersigner's certificate against the store's TSA anchors at `signing_time`.
struct Countersignature {
  std::optional<crypto::Certificate> signer;  // found among the signature's certificates
  std::optional<TimePoint> signing_time;
  std::string digest_algorithm;
  bool valid = false;
  std::string error;  // why it is not valid
};

struct TimestampEvidence {
  Bytes token;         // DER TimeStampToken (empty for a countersignature)
  Bytes covered_data;  // the bytes whose digest the token's message imprint must equal
  std::optional<Countersignature> countersignature;  // set instead of `token` for PKCS#9
};

// How a signature names a signer whose certificate or key it does not carry: kernel modules name an
// X.509 certificate by issuer and serial (or subject key identifier), minisign and signify an
// Ed25519 key by its 8-byte key number. evaluate() finds candidates in the policy (a store's
// certificates, a publisher's key) and asks the check; the check runs in memory (no I/O, no clock).
struct KeyReference {
  enum class Kind { kX509, kMinisign, kSignify };
  Kind kind = Kind::kX509;
  std::string issuer;      // kX509: as crypto::Certificate::issuer()
  std::string serial_hex;  // kX509: as crypto::Certificate::serial_hex()
  Bytes subject_key_id;    // kX509 when named by subjectKeyIdentifier instead
  Bytes key_id;            // kMinisign/kSignify: the key number as stored in the signature
  // Ok when the signature verifies with this candidate; the error says why not.
  std::function<Result<void>(const crypto::Certificate&)> check_certificate;
  std::function<Result<void>(std::span<const std::uint8_t> ed25519_public_key)> check_raw_key;
};

struct SignerEvidence {
  std::optional<crypto::Certificate> certificate;  // nullopt: signer could not be identified
  std::string digest_algorithm;
  std::string signature_algorithm;
  int key_bits = 0;
  std::string curve;
  std::optional<TimePoint> signing_time;  // claimed by the signer (not trusted for policy)
  std::vector<TimestampEvidence> timestamps;
  std::optional<KeyReference> key_reference;  // when `certificate` is not embedded
  std::string position;                       // where it sits ("WIN_CERTIFICATE 1, nested 1")
  // Format-level findings about this signer that deny it whatever the policy: BAD_SIGNATURE,
  // MISSING_SIGNED_ATTRIBUTES, WEAK_ALGORITHM (per the format's algorithm profile).
  std::vector<Reason> problems;
};

// For formats without a Statement: an artifact the signature covers, named by the SHA-256 of its
// bytes, and whether the format's own content check held (Authenticode image digest, CMS
// messageDigest, dm-verity root hash, or the signature itself when it signs the bytes directly).
struct CoveredArtifact {
  std::string sha256;  // lower-case hex of the whole artifact as the format unit read it
  bool content_verified = false;
  std::string detail;  // what was compared; expected and actual values when it failed
};

// How a format unit names the artifact it covers (CoveredArtifact::sha256): the SHA-256 of the
// whole input. The unit computes it unless the caller already has it (the inventory and the exec
// gate hash while they read) or will not report it (`signet verify` with neither --json nor an
// event sink), which saves a pass over the bytes: for a large Authenticode image, half the work.
struct ArtifactName {
  std::optional<std::string> sha256;  // known lower-case hex; nullopt: computed from the bytes
  bool wanted = true;                 // false (and no sha256): CoveredArtifact::sha256 stays empty
  [[nodiscard]] bool computed() const noexcept { return wanted && !sha256; }
  [[nodiscard]] std::string of(std::span<const std::uint8_t> bytes) const;
};

struct SignatureEvidence {
  std::string format;  // "signet", ...
  std::vector<SignerEvidence> signers;
  std::vector<crypto::Certificate> certificates;  // untrusted pool for chain building
  std::vector<crypto::Crl> crls;                  // embedded CRLs
  std::optional<Statement> statement;             // formats with a signed Statement
  std::vector<CoveredArtifact> covered;           // formats without one
  // Facts for display (`signet inspect`), never judged: ("pe", "PE32+"), ("image digest", ...).
  std::vector<std::pair<std::string, std::string>> details;
  std::vector<Reason> problems;  // format-level findings denying the whole thing
  // Chains are validated with RFC 5280 strictness for signet's own signatures; third-party formats
  // are judged as their own tools judge them (crypto::ChainOptions::strict).
  bool strict_chain = true;
};

}  // namespace signet::formats

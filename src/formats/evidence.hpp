// Normalized signature evidence: what every format unit produces and what policy evaluates.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/hex.hpp"
#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "formats/statement.hpp"

namespace signet::formats {

struct TimestampEvidence {
  Bytes token;         // DER TimeStampToken
  Bytes covered_data;  // the bytes whose digest the token's message imprint must equal
};

struct SignerEvidence {
  std::optional<crypto::Certificate> certificate;  // nullopt: signer could not be identified
  std::string digest_algorithm;
  std::string signature_algorithm;
  int key_bits = 0;
  std::string curve;
  std::optional<TimePoint> signing_time;           // claimed by the signer (not trusted for policy)
  std::vector<TimestampEvidence> timestamps;
  // Format-level findings about this signer that deny it whatever the policy: BAD_SIGNATURE,
  // MISSING_SIGNED_ATTRIBUTES, WEAK_ALGORITHM (per the format's algorithm profile).
  std::vector<Reason> problems;
};

struct SignatureEvidence {
  std::string format;                               // "signet", ...
  std::vector<SignerEvidence> signers;
  std::vector<crypto::Certificate> certificates;    // untrusted pool for chain building
  std::vector<crypto::Crl> crls;                    // embedded CRLs
  std::optional<Statement> statement;               // formats with a signed Statement
  std::vector<Reason> problems;                     // format-level findings denying the whole thing
};

}  // namespace signet::formats

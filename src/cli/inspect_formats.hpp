// `signet inspect` for the formats of issue 5 (Authenticode, kernel modules, RAUC, detached CMS
// with its content, minisign, signify): every signature with signer, chain, digest algorithm and
// timestamps, without any policy.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/hex.hpp"
#include "crypto/certificate.hpp"

namespace signet::cli {

struct InspectRequest {
  std::string path;     // the artifact (embedded formats) or the signature file
  std::string format;   // "auto" or a format name
  std::string content;  // --content: the signed file, for separate signatures
  bool json = false;
};

// nullopt when the native inspect applies (a signet signature, or a DER CMS without --content).
[[nodiscard]] std::optional<int> inspect_other_format(const InspectRequest& request);

// Shared with the native inspect (cmd_inspect.cpp).
[[nodiscard]] nlohmann::json certificate_json(const crypto::Certificate& cert);
[[nodiscard]] nlohmann::json timestamp_json(const Bytes& token);

}  // namespace signet::cli

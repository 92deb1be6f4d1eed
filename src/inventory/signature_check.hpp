// A file's signature status for the inventory, from the bytes the scanner read: the separate
// signature beside it (FILE.sig, FILE.p7s, FILE.minisig) or one embedded in it, run through the
// format units (formats/detect.hpp), then judged by policy::evaluate() when a policy is given,
// else by cryptography alone (the signature verifies and covers exactly these bytes; chains are
// not judged without trust anchors). Pure: no file, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/hex.hpp"
#include "core/time.hpp"
#include "inventory/file_kind.hpp"
#include "inventory/record.hpp"
#include "policy/policy.hpp"

namespace signet::inventory {

// The separate signature files looked for beside FILE, in this order.
inline constexpr std::string_view kSidecarSuffixes[] = {".sig", ".p7s", ".minisig"};

struct SidecarInput {
  std::string file_name;  // raw bytes, e.g. "plc1.st.sig"
  Bytes bytes;
};

struct SignatureInput {
  std::string display_path;  // escaped (path_text.hpp): what decisions and messages name
  std::string file_name;     // escaped last component: Statement subjects are matched by it
  const KindFacts* kind = nullptr;
  std::string sha256;  // of the whole file, lower-case hex
  // The whole file when the scanner kept it (embedded formats, detached signatures), else empty
  // with content_complete false.
  std::span<const std::uint8_t> content;
  bool content_complete = false;
  std::optional<SidecarInput> sidecar;
};

struct SignatureJudge {
  const policy::Policy* policy = nullptr;  // nullptr: cryptography only
  TimePoint now{};
  std::string host;
};

[[nodiscard]] SignatureStatus assess_signature(const SignatureInput& input,
                                               const SignatureJudge& judge);

// True when the scanner must keep the whole file for assess_signature(): a format unit reads an
// embedded signature or verifies a detached one over the bytes.
[[nodiscard]] bool needs_content(const KindFacts& kind, bool has_sidecar) noexcept;

}  // namespace signet::inventory

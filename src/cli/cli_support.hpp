// Small helpers shared by the subcommands: the edge where files, the clock and exit codes live.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "crypto/certificate.hpp"
#include "crypto/signing_key.hpp"
#include "formats/native_signature.hpp"

namespace signet::cli {

// Exit statuses of every signet command (documented in docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitDenied = 1;
inline constexpr int kExitUsage = 2;

// Prints "signet: error: CODE: message" to stderr and returns kExitUsage.
int report_error(const Error& error);

// gethostname(), or "unknown".
[[nodiscard]] std::string host_name();

[[nodiscard]] TimePoint clock_now();
// `--at`-style option: empty = now.
[[nodiscard]] Result<TimePoint> time_or_now(const std::string& rfc3339);

// Loads the first certificate of `cert_file` and every certificate of each chain file.
[[nodiscard]] Result<crypto::SigningKey> load_signing_key(
    const std::string& key_ref, const std::string& cert_file,
    const std::vector<std::string>& chain_files);

[[nodiscard]] Result<std::vector<crypto::Crl>> load_crls(const std::vector<std::string>& files);

// The signing options of `signet sign` and `signet baseline export`.
struct SignerArgs {
  std::string key, cert;  // --key (pkcs11: URI or file:), --cert
  std::vector<std::string> chain;
  std::string tsa_key, tsa_cert;  // --tsa-key, --tsa-cert (both or neither)
  std::vector<std::string> tsa_chain;
  std::vector<std::string> crls;  // --crl: embedded
  std::string signing_time;       // --signing-time, RFC 3339; empty = now
};

// The signer's key, the TSA's key when one is given, and the options of a native signature.
// Held by pointer: `options.tsa_key` points at `tsa`.
struct NativeSigner {
  crypto::SigningKey key;
  std::optional<crypto::SigningKey> tsa;
  formats::NativeSignOptions options;
};
[[nodiscard]] Result<std::unique_ptr<NativeSigner>> load_native_signer(const SignerArgs& args);

// SHA-256 (lower-case hex) of a regular file; a missing or unreadable file is Errc::kIo.
[[nodiscard]] Result<std::string> sha256_of_file(const std::filesystem::path& path);

}  // namespace signet::cli

#include "cli/cli_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "crypto/digest.hpp"

namespace signet::cli {

int report_error(const Error& error) {
  std::cerr << "signet: error: " << error.describe() << '\n';
  return kExitUsage;
}

TimePoint clock_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

Result<TimePoint> time_or_now(const std::string& rfc3339) {
  if (rfc3339.empty()) return clock_now();
  return parse_rfc3339(rfc3339);
}

Result<crypto::SigningKey> load_signing_key(const std::string& key_ref,
                                            const std::string& cert_file,
                                            const std::vector<std::string>& chain_files) {
  auto certs = crypto::Certificate::load_pem_file(cert_file);
  if (!certs) return std::unexpected(certs.error());
  std::vector<crypto::Certificate> chain;
  // Extra certificates in the --cert file are taken as chain, so a full-chain PEM works too.
  for (std::size_t i = 1; i < certs->size(); ++i) chain.push_back((*certs)[i]);
  for (const auto& file : chain_files) {
    auto more = crypto::Certificate::load_pem_file(file);
    if (!more) return std::unexpected(more.error());
    for (auto& cert : *more) chain.push_back(std::move(cert));
  }
  return crypto::SigningKey::load(key_ref, certs->front(), std::move(chain));
}

Result<std::vector<crypto::Crl>> load_crls(const std::vector<std::string>& files) {
  std::vector<crypto::Crl> crls;
  for (const auto& file : files) {
    auto loaded = crypto::Crl::load_file(file);
    if (!loaded) return std::unexpected(loaded.error());
    for (auto& crl : *loaded) crls.push_back(std::move(crl));
  }
  return crls;
}

Result<std::string> sha256_of_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(Errc::kIo, "no such file: " + path.string());
  if (!S_ISREG(st.st_mode)) return fail(Errc::kIo, path.string() + " is not a regular file");
  auto digest = crypto::digest_file(path, crypto::DigestAlgorithm::kSha256);
  if (!digest) return std::unexpected(digest.error());
  return to_hex(*digest);
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

Result<std::unique_ptr<NativeSigner>> load_native_signer(const SignerArgs& args) {
  auto when = time_or_now(args.signing_time);
  if (!when) return std::unexpected(when.error());
  auto key = load_signing_key(args.key, args.cert, args.chain);
  if (!key) return std::unexpected(key.error());
  std::optional<crypto::SigningKey> tsa;
  if (!args.tsa_key.empty()) {
    auto loaded = load_signing_key(args.tsa_key, args.tsa_cert, args.tsa_chain);
    if (!loaded) return std::unexpected(loaded.error());
    tsa.emplace(std::move(*loaded));
  }
  auto crls = load_crls(args.crls);
  if (!crls) return std::unexpected(crls.error());
  auto signer = std::make_unique<NativeSigner>(
      NativeSigner{std::move(*key), std::move(tsa), formats::NativeSignOptions{}});
  signer->options.signing_time = *when;
  signer->options.crls = std::move(*crls);
  signer->options.tsa_key = signer->tsa ? &*signer->tsa : nullptr;
  return signer;
}

}  // namespace signet::cli

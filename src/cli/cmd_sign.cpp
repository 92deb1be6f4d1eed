// signet sign FILE... --key KEYREF --cert PEM [...] -o OUT.sig
// signet sign --cosign EXISTING.sig --key KEYREF --cert PEM -o OUT.sig
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "core/file_io.hpp"
#include "formats/native_signature.hpp"

namespace signet::cli {
namespace {

struct SignOptions {
  std::vector<std::string> files;
  SignerArgs signer;
  std::string cosign, out;
  std::string artifact_class = "executable", target, version, ticket, description;
  std::optional<std::uint64_t> counter;
};

Result<formats::Statement> build_statement(const SignOptions& o) {
  if (!formats::is_known_artifact_class(o.artifact_class)) {
    return fail(Errc::kUsage, "unknown --class '" + o.artifact_class +
                                  "' (executable, library, script, kernel-module, plc-program, "
                                  "project-file, firmware, installer, config, trust-bundle)");
  }
  formats::Statement statement;
  std::set<std::string> names;
  for (const auto& file : o.files) {
    auto digest = sha256_of_file(file);
    if (!digest) return std::unexpected(digest.error());
    std::string name = std::filesystem::path(file).filename().string();
    if (!names.insert(name).second) {
      return fail(Errc::kUsage, "two files are named '" + name + "': subject names must be unique");
    }
    statement.subjects.push_back({name, {{"sha256", *digest}}});
  }
  auto& p = statement.predicate;
  p.artifact_class = o.artifact_class;
  p.target = o.target;
  p.version = o.version;
  p.counter = o.counter;
  p.ticket = o.ticket;
  p.description = o.description;
  return statement;
}

int run_sign(const SignOptions& o) {
  const bool cosigning = !o.cosign.empty();
  if (cosigning == !o.files.empty()) {
    return report_error({Errc::kUsage, "give either FILE... or --cosign EXISTING.sig"});
  }
  if (o.signer.tsa_key.empty() != o.signer.tsa_cert.empty()) {
    return report_error({Errc::kUsage, "--tsa-key and --tsa-cert go together"});
  }
  auto signer = load_native_signer(o.signer);
  if (!signer) return report_error(signer.error());
  const crypto::SigningKey& key = (*signer)->key;
  const formats::NativeSignOptions& options = (*signer)->options;

  Result<Bytes> signature = fail(Errc::kInternal, "unreachable");
  if (cosigning) {
    auto existing = read_file_bytes(o.cosign);
    if (!existing) return report_error(existing.error());
    signature = formats::cosign(*existing, key, options);
  } else {
    auto statement = build_statement(o);
    if (!statement) return report_error(statement.error());
    const crypto::SigningKey* keys[] = {&key};
    signature = formats::sign_statement(*statement, keys, options);
  }
  if (!signature) return report_error(signature.error());
  if (auto written = write_file_atomic(o.out, *signature); !written) {
    return report_error(written.error());
  }
  std::cerr << "signet: signed by " << key.certificate().subject() << " -> " << o.out << '\n';
  return kExitOk;
}

}  // namespace

void add_sign_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SignOptions>();
  auto* cmd = app.add_subcommand("sign", "Sign files into one native signature (CMS + Statement)");
  cmd->add_option("files", options->files, "Files covered by the signature");
  cmd->add_option("--cosign", options->cosign, "Add a signer to this existing signature");
  cmd->add_option("--key", options->signer.key, "pkcs11: URI, or file:PATH (development only)")
      ->required();
  cmd->add_option("--cert", options->signer.cert, "Signer certificate (PEM)")->required();
  cmd->add_option("--chain", options->signer.chain, "Intermediate certificates to embed (PEM)");
  cmd->add_option("--crl", options->signer.crls, "CRLs to embed (PEM or DER)");
  cmd->add_option("--class", options->artifact_class, "Artifact class")->capture_default_str();
  cmd->add_option("--target", options->target, "Target, e.g. acme/plc-5000/line3/plc1");
  cmd->add_option("--version", options->version, "Release version");
  cmd->add_option("--counter", options->counter, "Security counter (monotonic per target)");
  cmd->add_option("--ticket", options->ticket, "Change ticket id");
  cmd->add_option("--description", options->description, "Free-form description");
  cmd->add_option("--tsa-key", options->signer.tsa_key, "Key of the local time-stamping authority");
  cmd->add_option("--tsa-cert", options->signer.tsa_cert, "TSA certificate (timeStamping EKU)");
  cmd->add_option("--tsa-chain", options->signer.tsa_chain, "TSA intermediate certificates");
  cmd->add_option(
      "--signing-time", options->signer.signing_time,
      "Signing (and TSA) time, RFC 3339; default now. For reproducible builds and tests");
  cmd->add_option("-o,--output", options->out, "Output signature file")->required();
  cmd->callback([options, &exit_code] { exit_code = run_sign(*options); });
}

}  // namespace signet::cli

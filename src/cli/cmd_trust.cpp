// signet trust build FILE... --key KEYREF --cert PEM -o BUNDLE.sig [--class CLASS]
// A trust bundle: a native signature of class `trust-bundle` whose subjects are the files' digests
// (docs/exec-gate.md). The paths are recorded for people; the execution gate trusts digests only.
#include <iostream>
#include <memory>
#include <set>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "core/file_io.hpp"
#include "formats/native_signature.hpp"
#include "gate/exec_trust.hpp"

namespace signet::cli {
namespace {

struct TrustBuildOptions {
  std::vector<std::string> files;
  std::string key, cert, out, classes, description, signing_time, ticket, version;
  std::vector<std::string> chain, crls;
};

Result<formats::Statement> bundle_statement(const TrustBuildOptions& o) {
  auto scope = gate::scope_target(o.classes);
  if (!scope) return std::unexpected(scope.error());
  formats::Statement statement;
  std::set<std::string> names;
  for (const auto& file : o.files) {
    if (!names.insert(file).second) {
      return fail(Errc::kUsage, "'" + file + "' is given twice");
    }
    auto digest = sha256_of_file(file);
    if (!digest) return std::unexpected(digest.error());
    statement.subjects.push_back({file, {{"sha256", *digest}}});
  }
  auto& p = statement.predicate;
  p.artifact_class = "trust-bundle";
  p.target = *scope;
  p.version = o.version;
  p.ticket = o.ticket;
  p.description = o.description;
  return statement;
}

int run_trust_build(const TrustBuildOptions& o) {
  auto statement = bundle_statement(o);
  if (!statement) return report_error(statement.error());
  auto when = time_or_now(o.signing_time);
  if (!when) return report_error(when.error());
  auto key = load_signing_key(o.key, o.cert, o.chain);
  if (!key) return report_error(key.error());
  auto crls = load_crls(o.crls);
  if (!crls) return report_error(crls.error());
  formats::NativeSignOptions options;
  options.signing_time = *when;
  options.crls = std::move(*crls);
  const crypto::SigningKey* keys[] = {&*key};
  auto signature = formats::sign_statement(*statement, keys, options);
  if (!signature) return report_error(signature.error());
  if (auto written = write_file_atomic(o.out, *signature); !written) {
    return report_error(written.error());
  }
  std::cerr << "signet: trust bundle of " << statement->subjects.size() << " file(s)"
            << (statement->predicate.target.empty() ? "" : " for " + statement->predicate.target)
            << ", signed by " << key->certificate().subject() << " -> " << o.out << '\n';
  return kExitOk;
}

}  // namespace

void add_trust_command(CLI::App& app, int& exit_code) {
  auto* trust = app.add_subcommand("trust", "Trust bundles for the execution gate");
  trust->require_subcommand(1);
  auto options = std::make_shared<TrustBuildOptions>();
  auto* build = trust->add_subcommand(
      "build", "Sign the digests of FILE... into a trust bundle (class trust-bundle)");
  build->add_option("files", options->files, "Files allowed to run or load")->required();
  build->add_option("--key", options->key, "pkcs11: URI, or file:PATH (development only)")
      ->required();
  build->add_option("--cert", options->cert, "Signer certificate (PEM)")->required();
  build->add_option("--chain", options->chain, "Intermediate certificates to embed (PEM)");
  build->add_option("--crl", options->crls, "CRLs to embed (PEM or DER)");
  build->add_option("--class", options->classes,
                    "What the files may be used as: executable, library, script, kernel-module "
                    "(comma-separated; default all four)");
  build->add_option("--description", options->description, "Free-form description");
  build->add_option("--version", options->version, "Release version of the bundle");
  build->add_option("--ticket", options->ticket, "Change ticket id");
  build->add_option("--signing-time", options->signing_time, "Signing time, RFC 3339; default now");
  build->add_option("-o,--output", options->out, "Output trust bundle (.sig)")->required();
  build->callback([options, &exit_code] { exit_code = run_trust_build(*options); });
}

}  // namespace signet::cli

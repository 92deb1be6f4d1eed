// signet evidence export --policy P --since T --until T [--ticket ID] [--target GLOB]
//                        [--key KEYREF --cert PEM [--chain PEM]] -o FILE.tar
// The bundle's manifest is signed with --key/--cert, else with the audit checkpoint key.
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/telemetry_support.hpp"
#include "core/file_io.hpp"
#include "crypto/digest.hpp"
#include "telemetry/audit_log.hpp"
#include "telemetry/evidence.hpp"

namespace signet::cli {
namespace {

struct EvidenceOptions {
  std::string policy, since, until, ticket, target, key, cert, out;
  std::vector<std::string> chain;
};

int run_export(const EvidenceOptions& o) {
  auto loaded = policy::Policy::load(o.policy);
  if (!loaded) return report_error(loaded.error());
  const auto& spec = loaded->telemetry();
  if (!spec || !spec->audit) {
    return report_error({Errc::kUsage, "the policy has no [telemetry.audit]: nothing to export"});
  }
  telemetry::EvidenceQuery query;
  auto since = parse_rfc3339(o.since);
  if (!since) return report_error(since.error());
  auto until = parse_rfc3339(o.until);
  if (!until) return report_error(until.error());
  if (*until < *since) return report_error({Errc::kUsage, "--until is before --since"});
  query.since = *since;
  query.until = *until;
  if (!o.ticket.empty()) query.ticket = o.ticket;
  if (!o.target.empty()) query.target = o.target;

  // Seal the log first, so that every exported event is under a signed checkpoint.
  auto log = telemetry::open_audit_log(*spec->audit, loaded->base_dir(), telemetry::system_clock());
  if (!log) return report_error(log.error());
  if (!spec->audit->checkpoint_key.empty()) {
    if (auto sealed = (*log)->checkpoint(); !sealed) return report_error(sealed.error());
  }
  const auto log_path = telemetry::resolve_policy_path(loaded->base_dir(), spec->audit->path);
  auto log_text = read_file_text(log_path, std::size_t{1} << 30);
  if (!log_text) return report_error(log_text.error());
  auto policy_text = read_file_text(o.policy);
  if (!policy_text) return report_error(policy_text.error());

  std::string key_ref = o.key;
  std::string cert = o.cert;
  if (key_ref.empty() != cert.empty())
    return report_error({Errc::kUsage, "--key and --cert go together"});
  if (key_ref.empty()) {
    if (spec->audit->checkpoint_key.empty()) {
      return report_error(
          {Errc::kUsage, "give --key and --cert (no audit checkpoint_key to sign with)"});
    }
    key_ref = telemetry::resolve_policy_key_ref(loaded->base_dir(), spec->audit->checkpoint_key);
    cert =
        telemetry::resolve_policy_path(loaded->base_dir(), spec->audit->checkpoint_cert).string();
  }
  auto key = load_signing_key(key_ref, cert, o.chain);
  if (!key) return report_error(key.error());

  auto emitter = open_emitter(*loaded);
  telemetry::EvidenceInputs inputs;
  inputs.audit_log_text = std::move(*log_text);
  inputs.policy_text = std::move(*policy_text);
  inputs.host = emitter->host();
  inputs.now = clock_now();
  inputs.audit_report = telemetry::verify_audit_log(inputs.audit_log_text,
                                                    telemetry::make_cms_checkpoint_verifier({}));
  auto bundle = telemetry::build_evidence_bundle(query, inputs, *key);
  if (!bundle) return report_error(bundle.error());
  if (auto written = write_file_atomic(o.out, bundle->tar); !written) {
    return report_error(written.error());
  }
  const std::string digest =
      to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, bundle->tar));
  std::cout << "evidence: " << bundle->events << " event(s) -> " << o.out << " (sha256 " << digest
            << ")\n";
  for (const auto& gap : bundle->gaps) std::cout << "  gap: " << gap << '\n';
  if (inputs.audit_report.finding != telemetry::AuditFinding::kIntact) {
    std::cout << "  WARNING audit log "
              << telemetry::audit_finding_name(inputs.audit_report.finding) << ": "
              << inputs.audit_report.detail << '\n';
  }
  emitter->emit(
      telemetry::evidence_export_event(o.out, digest, bundle->events, emitter->host(), inputs.now));
  close_emitter(*emitter);
  return kExitOk;
}

}  // namespace

void add_evidence_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<EvidenceOptions>();
  auto* cmd = app.add_subcommand("evidence", "Evidence for incident response and audits");
  cmd->require_subcommand(1);
  auto* ex = cmd->add_subcommand("export", "Bundle events, changes, signatures, policy (signed)");
  ex->add_option("--policy", o->policy, "Trust policy with [telemetry.audit]")->required();
  ex->add_option("--since", o->since, "From this RFC 3339 time")->required();
  ex->add_option("--until", o->until, "Up to this RFC 3339 time")->required();
  ex->add_option("--ticket", o->ticket, "Only events of this change ticket");
  ex->add_option("--target", o->target, "Only events whose target matches this glob");
  ex->add_option("--key", o->key, "Manifest signing key (default: the audit checkpoint key)");
  ex->add_option("--cert", o->cert, "Manifest signer certificate (PEM)");
  ex->add_option("--chain", o->chain, "Intermediate certificates to embed (PEM)");
  ex->add_option("-o,--output", o->out, "Output bundle (.tar)")->required();
  ex->callback([o, &exit_code] { exit_code = run_export(*o); });
}

}  // namespace signet::cli

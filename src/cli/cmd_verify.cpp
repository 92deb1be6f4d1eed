// signet verify FILE... [--sig SIG] --policy POLICY [--json] [--at TIME]
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/telemetry_support.hpp"
#include "cli/verify_formats.hpp"
#include "core/file_io.hpp"
#include "formats/native_signature.hpp"
#include "gate/state_db.hpp"
#include "policy/evaluate.hpp"
#include "telemetry/decision_json.hpp"

namespace signet::cli {
namespace {

struct VerifyOptions {
  std::vector<std::string> files;
  std::string sig, policy, at;
  std::string format = "auto";
  std::string artifact_class, target;  // context for formats without a signed Statement
  std::string ticket, state_db;        // change control: --ticket, rollback state
  bool json = false;
};

// The rollback state a rule with `rollback` compares against: read from the state database
// (`signet gate download` writes it; verify never creates one). nullopt when it cannot be read,
// which such a rule denies.
std::optional<policy::InstalledState> installed_state(const VerifyOptions& o,
                                                      const policy::Policy& policy,
                                                      const formats::SignatureEvidence& evidence) {
  const auto& rules = policy.rules();
  const bool needed = std::any_of(rules.begin(), rules.end(),
                                  [](const policy::Rule& r) { return r.rollback.has_value(); });
  if (!needed || !evidence.statement) return policy::InstalledState{};
  auto db = gate::StateDb::open_existing(gate::resolve_state_db(o.state_db, &policy));
  if (!db) {
    std::cerr << "signet: warning: rollback state: " << db.error().describe() << '\n';
    return std::nullopt;
  }
  if (!*db) return policy::InstalledState{};
  const auto& predicate = evidence.statement->predicate;
  auto state = (*db)->installed(predicate.target, predicate.artifact_class);
  if (!state) {
    std::cerr << "signet: warning: rollback state: " << state.error().describe() << '\n';
    return std::nullopt;
  }
  return *state;
}

void print_human(const policy::Decision& d, const std::vector<std::string>& files) {
  std::string what;
  for (const auto& f : files) what += (what.empty() ? "" : " ") + f;
  if (d.allowed()) {
    std::cout << "ALLOW " << what << " (rule " << d.rule.value_or("-")
              << (d.window ? ", window " + *d.window : "") << ")\n";
    for (const auto& r : d.reasons)  // allowed but flagged (outside_window = "alert")
      std::cout << "  alert " << reason_name(r.code) << ": " << r.detail << '\n';
  } else {
    std::cout << "DENY " << what << (d.enforced ? "" : " (audit mode: not enforced)") << '\n';
    for (const auto& r : d.reasons)
      std::cout << "  " << reason_name(r.code) << ": " << r.detail << '\n';
  }
  for (const auto& s : d.signers) {
    std::cout << "  signer: " << s.subject << (s.trusted ? " [trusted" : " [untrusted");
    if (s.publisher) std::cout << " as " << *s.publisher;
    std::cout << "]";
    if (s.timestamp) std::cout << " timestamp " << format_rfc3339(*s.timestamp);
    std::cout << '\n';
  }
}

// Prints, emits the event, and maps the decision to the exit status.
int finish_verify(const VerifyOptions& o, const policy::Decision& decision,
                  const std::vector<std::string>& notes, const std::string& sig_path,
                  telemetry::Emitter& emitter) {
  if (o.json) {
    std::cout << telemetry::dump_json(telemetry::decision_to_json(decision), 2) << '\n';
  } else {
    print_human(decision, o.files);
    for (const auto& note : notes) std::cout << "  " << note << '\n';
  }
  auto point = cli_point_context("verify", "verify");
  if (!sig_path.empty()) point.signature_path = std::filesystem::absolute(sig_path).string();
  emitter.emit_decision(decision, point);
  close_emitter(emitter);
  return decision.blocks() ? kExitDenied : kExitOk;
}

int run_verify(const VerifyOptions& o) {
  if (o.files.empty()) return report_error({Errc::kUsage, "name at least one FILE to verify"});
  if (o.files.size() > 1 && o.sig.empty()) {
    return report_error({Errc::kUsage, "--sig is required when verifying several files"});
  }
  auto loaded = policy::Policy::load(o.policy);
  if (!loaded) return report_error(loaded.error());
  auto now = time_or_now(o.at);
  if (!now) return report_error(now.error());
  // Started now so that spooled events from earlier runs go out while this one verifies.
  auto emitter = open_emitter(*loaded);

  policy::EvaluationContext context;
  context.now = *now;
  context.host = host_name();
  if (!o.artifact_class.empty()) context.artifact_class = o.artifact_class;
  if (!o.target.empty()) context.target = o.target;
  if (!o.ticket.empty()) context.ticket = o.ticket;
  context.installed = policy::InstalledState{};  // formats without a Statement carry no counter
  // Other formats first (verify_formats.hpp); nullopt leaves the native path below.
  auto other = verify_other_format({o.files, o.sig, o.format, o.json || emitter->has_sinks()},
                                   *loaded, context);
  if (!other) return report_error(other.error());
  if (*other) return finish_verify(o, (*other)->decision, {}, (*other)->signature_path, *emitter);
  for (const auto& file : o.files) {
    auto digest = sha256_of_file(file);
    if (!digest) return report_error(digest.error());
    context.artifacts.push_back({file, *digest});
  }

  const std::string sig_path = o.sig.empty() ? o.files.front() + ".sig" : o.sig;
  policy::Decision decision;
  std::vector<std::string> notes;
  // An evidence bundle (`signet evidence export`) carries its signed manifest inside.
  auto bundle = o.files.size() == 1 && o.sig.empty() && !std::filesystem::exists(sig_path)
                    ? verify_bundle_file(*loaded, o.files.front(), context)
                    : std::nullopt;
  if (bundle) {
    if (!*bundle) return report_error(bundle->error());
    decision = std::move((*bundle)->decision);
    notes = std::move((*bundle)->notes);
  } else if (!std::filesystem::exists(sig_path)) {
    decision = policy::deny_without_evidence(
        *loaded, context, {ReasonCode::kUnsigned, "no signature at " + sig_path});
  } else {
    auto bytes = read_file_bytes(sig_path);
    if (!bytes) return report_error(bytes.error());
    auto evidence = formats::parse_native_signature(*bytes);
    if (evidence) {
      context.installed = installed_state(o, *loaded, *evidence);
      decision = policy::evaluate(*loaded, *evidence, context);
    } else if (evidence.error().code == Errc::kMalformed) {
      decision = policy::deny_without_evidence(*loaded, context,
                                               {ReasonCode::kMalformed, evidence.error().message});
    } else {
      return report_error(evidence.error());
    }
  }
  const bool has_sig = !bundle && std::filesystem::exists(sig_path);
  return finish_verify(o, decision, notes, has_sig ? sig_path : std::string(), *emitter);
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand("verify", "Verify files against a signature and the trust policy");
  cmd->add_option("files", options->files, "Files to verify")->required();
  cmd->add_option("--sig", options->sig, "Signature (default: FILE.sig)");
  cmd->add_option("--policy", options->policy, "Trust policy (TOML)")->required();
  cmd->add_flag("--json", options->json, "Print the decision as JSON");
  cmd->add_option("--at", options->at, "Verify as of this RFC 3339 time (default: now)");
  cmd->add_option("--format", options->format,
                  "auto, signet, cms-detached, authenticode, kmod, rauc, minisign or signify")
      ->capture_default_str();
  cmd->add_option("--class", options->artifact_class,
                  "Artifact class for formats without a signed Statement (e.g. executable)");
  cmd->add_option("--target", options->target,
                  "Target for formats without a signed Statement (e.g. acme/plc-5000/line3)");
  cmd->add_option("--ticket", options->ticket, "Change ticket (rules with require_ticket)");
  cmd->add_option("--state-db", options->state_db,
                  "Rollback state (default: the policy's state_db, else /var/lib/signet/state.db)");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

}  // namespace signet::cli

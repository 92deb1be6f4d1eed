// signet gate download --target T --class C [--ticket ID] [--operation OP] --policy P --sig S
//                      ARTIFACT... -- CMD ARGS...
// signet gate exec --policy P --watch PATH... [--trust BUNDLE]... [--mode M]   (also `signetd`)
// signet gate status [--status-file PATH] [--json]
// The composition root of the download gate: reads files, the clock and the user, wires the state
// database, the process runner and the emitter into gate::DownloadGate, prints, exits. The
// execution gate's lives in gate_exec_daemon.cpp.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string_view>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/gate_exec_daemon.hpp"
#include "cli/telemetry_support.hpp"
#include "core/file_io.hpp"
#include "formats/native_signature.hpp"
#include "formats/statement.hpp"
#include "gate/command_runner.hpp"
#include "gate/download_gate.hpp"
#include "gate/exec_status.hpp"
#include "gate/state_db.hpp"
#include "gate/target_lock.hpp"

namespace signet::cli {
namespace {

struct GateDownloadOptions {
  std::vector<std::string> artifacts;
  std::string target, artifact_class, ticket, operation, firmware_scope;
  std::string policy, sig, state_db;
  double lock_timeout_seconds = 600;
  bool quiet = false;
};

std::string user_name(uid_t uid) {
  std::string name = std::to_string(uid);
  std::vector<char> buf(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    name = found->pw_name;
  }
  // Run through sudo: the person is the one sudo names (informative; root can set anything).
  const char* sudo_user = std::getenv("SUDO_USER");  // NOLINT(concurrency-mt-unsafe)
  if (uid == 0 && sudo_user != nullptr && *sudo_user != '\0' && name != sudo_user) {
    name += " (sudo by " + std::string(sudo_user) + ")";
  }
  return name;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator = " ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

Result<void> check_options(GateDownloadOptions& o, const std::vector<std::string>& command) {
  if (o.target.find_first_of("*?") != std::string::npos) {
    return fail(Errc::kUsage, "--target names one controller; globs belong in the policy");
  }
  if (!formats::is_known_artifact_class(o.artifact_class)) {
    return fail(Errc::kUsage, "--class '" + o.artifact_class + "' is not an artifact class");
  }
  const bool firmware = o.artifact_class == "firmware";
  if (o.operation.empty()) o.operation = firmware ? "firmware-update" : "download";
  if (!gate::is_download_operation(o.operation)) {
    return fail(Errc::kUsage,
                "--operation must be download, download-all, online-edit, "
                "program-append or firmware-update, not '" +
                    o.operation + "'");
  }
  if (firmware != (o.operation == "firmware-update")) {
    return fail(Errc::kUsage,
                "--operation firmware-update goes with --class firmware, and only it");
  }
  if (!o.firmware_scope.empty() &&
      (!firmware || (o.firmware_scope != "system" && o.firmware_scope != "module"))) {
    return fail(Errc::kUsage, "--scope is system or module, for --class firmware");
  }
  if (o.artifacts.size() > 1 && o.sig.empty()) {
    return fail(Errc::kUsage, "--sig is required for several artifacts");
  }
  if (command.empty()) return fail(Errc::kUsage, "name the download command after --");
  if (!(o.lock_timeout_seconds >= 0 && o.lock_timeout_seconds <= 86400)) {
    return fail(Errc::kUsage, "--lock-timeout is 0 to 86400 seconds");
  }
  return {};
}

// The signature as evidence, or the reason there is none.
Result<std::variant<formats::SignatureEvidence, Reason>> read_evidence(const std::string& path) {
  if (!std::filesystem::exists(path))
    return Reason{ReasonCode::kUnsigned, "no signature at " + path};
  auto bytes = read_file_bytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  auto evidence = formats::parse_native_signature(*bytes);
  if (evidence) return std::move(*evidence);
  if (evidence.error().code == Errc::kMalformed) {
    return Reason{ReasonCode::kMalformed, evidence.error().message};
  }
  return std::unexpected(evidence.error());
}

void print_decision(const policy::Decision& d, const gate::ChangeRecord& r) {
  std::string what;
  for (const auto& a : r.artifacts) {
    what += (what.empty() ? "" : ", ") + std::filesystem::path(a.path).filename().string();
  }
  std::cerr << "signet: " << (d.allowed() ? "ALLOW " : "DENY ") << r.operation << " of " << what
            << " to " << r.target;
  std::string facts = "change #" + std::to_string(r.id);
  if (d.rule) facts += ", rule " + *d.rule;
  if (d.window) facts += ", window " + *d.window;
  if (!r.ticket.empty()) facts += ", ticket " + r.ticket;
  std::cerr << " (" << facts << ")";
  if (!d.allowed() && !d.enforced) std::cerr << " [audit mode: not enforced]";
  std::cerr << '\n';
  for (const auto& reason : d.reasons) {
    std::cerr << "  " << reason_name(reason.code) << ": " << reason.detail << '\n';
  }
  for (const auto& s : d.signers) {
    std::cerr << "  signer: " << s.subject << (s.trusted ? " [trusted" : " [untrusted");
    if (s.publisher) std::cerr << " as " << *s.publisher;
    std::cerr << "]\n";
  }
  std::cerr << "  ATT&CK for ICS: " << joined(r.techniques, ", ") << '\n';
  if (d.blocks()) {
    std::cerr << "  the download command was not run\n";
  } else {
    std::cerr << "  running: " << joined(r.command) << '\n';
  }
}

void print_result(const gate::DownloadOutcome& outcome) {
  const auto& r = outcome.record;
  if (!outcome.ran) return;
  std::cerr << "signet: change #" << r.id << ": " << r.command.front() << " exited "
            << outcome.exit_status;
  if (outcome.command && outcome.command->signal) {
    std::cerr << " (killed by signal " << *outcome.command->signal << ")";
  }
  if (outcome.command && !outcome.command->forwarded.empty()) {
    std::cerr << " (forwarded signal";
    for (const int sig : outcome.command->forwarded) std::cerr << ' ' << sig;
    std::cerr << ")";
  }
  if (r.rollback_advanced) {
    std::cerr << "; rollback state of " << r.target << " (" << r.artifact_class << ") now";
    if (r.counter) std::cerr << " counter " << *r.counter;
    if (!r.version.empty()) std::cerr << " version " << r.version;
  }
  std::cerr << '\n';
}

int run_gate_download(GateDownloadOptions o, const std::vector<std::string>& command_tail) {
  if (auto ok = check_options(o, command_tail); !ok) return report_error(ok.error());
  auto executable = gate::resolve_command(command_tail.front());
  if (!executable) return report_error(executable.error());
  std::vector<std::string> command = command_tail;
  command.front() = *executable;

  // Before any thread exists (the emitter's writer): see command_runner.hpp.
  const gate::ForwardedSignals signals;
  auto loaded = policy::Policy::load(o.policy);
  if (!loaded) return report_error(loaded.error());

  gate::DownloadRequest request;
  request.target = o.target;
  request.artifact_class = o.artifact_class;
  request.operation = o.operation;
  request.firmware_scope = o.firmware_scope;
  if (!o.ticket.empty()) request.ticket = o.ticket;
  for (const auto& file : o.artifacts) {
    auto digest = sha256_of_file(file);
    if (!digest) return report_error(digest.error());
    request.artifacts.push_back({file, *digest});
  }
  const std::string sig_path = o.sig.empty() ? o.artifacts.front() + ".sig" : o.sig;
  auto evidence = read_evidence(sig_path);
  if (!evidence) return report_error(evidence.error());
  request.evidence = std::move(*evidence);
  if (std::filesystem::exists(sig_path)) {
    request.signature_path = std::filesystem::absolute(sig_path).string();
  }
  request.command = std::move(command);
  request.uid = ::getuid();
  request.user = user_name(::getuid());
  request.host = host_name();
  request.process = cli_point_context("download-gate", o.operation).process;

  const auto db_path = gate::resolve_state_db(o.state_db, &*loaded);
  auto db = gate::StateDb::open(db_path, /*create=*/true);
  if (!db) return report_error(db.error());
  auto emitter = open_emitter(*loaded);
  gate::ProcessRunner runner(signals);
  const auto clock = telemetry::system_clock();
  gate::GateOptions options;
  options.lock_dir = gate::lock_dir_for(db_path);
  options.lock_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.lock_timeout_seconds * 1000.0));
  options.interrupted = [&signals] { return signals.take_pending().has_value(); };
  options.waiting = [&o](const std::string& holder) {
    if (!o.quiet) {
      std::cerr << "signet: waiting for another change to " << o.target << " to finish"
                << (holder.empty() ? "" : " (" + holder + ")") << '\n';
    }
  };
  options.decided = [&o](const policy::Decision& decision, const gate::ChangeRecord& record) {
    if (!o.quiet || decision.blocks()) print_decision(decision, record);
  };
  gate::DownloadGate gate(*loaded, *db, runner, *clock, emitter.get(), std::move(options));
  auto outcome = gate.run(request);
  if (!outcome) {
    close_emitter(*emitter);
    return report_error(outcome.error());
  }
  if (!o.quiet) print_result(*outcome);
  if (outcome->run_error) {
    std::cerr << "signet: error: " << *outcome->run_error << " (change #" << outcome->record.id
              << " recorded as not-run)\n";
  }
  if (outcome->record_error) {
    std::cerr << "signet: error: change #" << outcome->record.id
              << " could not be completed in the state database: " << *outcome->record_error
              << "; it stays 'running' and the rollback state did not move\n";
  }
  close_emitter(*emitter);
  return outcome->exit_status;
}

void add_gate_exec_commands(CLI::App& gate_cmd, int& exit_code) {
  auto o = std::make_shared<GateExecOptions>();
  o->status_file = std::string(gate::kDefaultExecStatusFile);
  auto* exec = gate_cmd.add_subcommand(
      "exec",
      "The execution gate daemon (also `signetd`): fanotify permission events on the watched "
      "paths; binaries, scripts, shared objects and kernel modules run or load only when trusted");
  exec->add_option("--policy", o->policy, "Trust policy (TOML)")->required();
  exec->add_option("--watch", o->watch, "Mount point, directory or file to guard (repeatable)")
      ->required();
  exec->add_option("--trust", o->trust, "Trust bundle (repeatable), besides [gate] trust_bundles");
  exec->add_option("--mode", o->mode, "enforce or audit (default: the policy's)");
  exec->add_option("--status-file", o->status_file, "Status file, rewritten every second")
      ->capture_default_str();
  exec->add_option("--ready-file", o->ready_file,
                   "Written once every mark is in place; removed on exit");
  exec->add_option("--workers", o->workers, "Threads that hash and judge (1..64)")
      ->capture_default_str();
  exec->add_flag("-q,--quiet", o->quiet, "Print only denials and errors");
  exec->footer(
      "SIGHUP reloads the policy and the trust bundles; SIGTERM/SIGINT stop. Exit status: 0 "
      "stopped; 2 usage or configuration error; 3 fanotify unavailable or failed.");
  exec->callback([o, &exit_code] { exit_code = run_gate_exec(*o); });

  auto status_file = std::make_shared<std::string>(gate::kDefaultExecStatusFile);
  auto json = std::make_shared<bool>(false);
  auto* status = gate_cmd.add_subcommand("status", "Counters of the running execution gate");
  status->add_option("--status-file", *status_file, "The daemon's status file")
      ->capture_default_str();
  status->add_flag("--json", *json, "Print the status document");
  status->footer("Exit status: 0 running; 1 not running or stale; 2 no readable status file.");
  status->callback(
      [status_file, json, &exit_code] { exit_code = run_gate_status(*status_file, *json); });
}

}  // namespace

std::vector<char*> signetd_arguments(int argc, char** argv) {
  static char signet[] = "signet";
  static char gate[] = "gate";
  static char exec[] = "exec";
  std::vector<char*> out(argv, argv + argc);
  if (argc < 1 || std::filesystem::path(argv[0]).filename() != "signetd") return out;
  out.erase(out.begin());
  out.insert(out.begin(), {signet, gate, exec});
  return out;
}

std::vector<char*> split_command_tail(int argc, char** argv, std::vector<std::string>& tail) {
  std::vector<char*> head(argv, argv + argc);
  if (argc < 3 || std::strcmp(argv[1], "gate") != 0 || std::strcmp(argv[2], "download") != 0) {
    return head;
  }
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      tail.assign(argv + i + 1, argv + argc);
      head.resize(static_cast<std::size_t>(i));
      break;
    }
  }
  return head;
}

void add_gate_command(CLI::App& app, int& exit_code, const std::vector<std::string>& command) {
  auto* gate = app.add_subcommand("gate", "Enforcement points that guard a change");
  gate->require_subcommand(1);
  auto options = std::make_shared<GateDownloadOptions>();
  auto* download = gate->add_subcommand(
      "download",
      "Verify a controller program or firmware against the policy, then run the download tool "
      "given after -- only when allowed, and record the change");
  download->add_option("artifacts", options->artifacts, "Files being downloaded")->required();
  download->add_option("--target", options->target, "The controller, e.g. acme/plc-5000/line3/plc1")
      ->required();
  download->add_option("--class", options->artifact_class, "plc-program, firmware, ...")
      ->required();
  download->add_option("--ticket", options->ticket, "Change ticket of this download");
  download->add_option("--operation", options->operation,
                       "download, download-all, online-edit, program-append, firmware-update "
                       "(default: download, firmware-update for --class firmware)");
  download->add_option("--scope", options->firmware_scope, "Firmware scope: system or module");
  download->add_option("--policy", options->policy, "Trust policy (TOML)")->required();
  download->add_option("--sig", options->sig, "Signature (default: ARTIFACT.sig)");
  download->add_option("--state-db", options->state_db,
                       "State database (default: the policy's state_db, else " +
                           std::string(gate::kDefaultStateDb) + ")");
  download
      ->add_option("--lock-timeout", options->lock_timeout_seconds,
                   "Seconds to wait for another change to the same target")
      ->capture_default_str();
  download->add_flag("-q,--quiet", options->quiet, "Print only denials and errors");
  download->footer(
      "Exit status: the command's when it ran; 1 denied (not run); 2 usage or "
      "configuration error.");
  download->callback(
      [options, &exit_code, &command] { exit_code = run_gate_download(*options, command); });
  add_gate_exec_commands(*gate, exit_code);
}

}  // namespace signet::cli

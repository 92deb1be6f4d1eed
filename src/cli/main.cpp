// `signet`: one binary, one subcommand per enforcement point or tool.
#include <exception>
#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace signet::cli;
  CLI::App app{"signet: code signing enforcement for industrial control systems"};
  app.require_subcommand(1);
  int exit_code = kExitOk;

  app.add_subcommand("version", "Print the version")->callback([] {
    std::cout << "signet " << SIGNET_VERSION << '\n';
  });
  add_sign_command(app, exit_code);
  add_verify_command(app, exit_code);
  add_inspect_command(app, exit_code);
  add_telemetry_command(app, exit_code);
  add_audit_command(app, exit_code);
  add_attack_command(app, exit_code);
  add_evidence_command(app, exit_code);
  std::vector<std::string> command;  // `gate download ... -- CMD ARGS...`
  std::vector<char*> daemon_args = signetd_arguments(argc, argv);
  std::vector<char*> args =
      split_command_tail(static_cast<int>(daemon_args.size()), daemon_args.data(), command);
  add_gate_command(app, exit_code, command);
  add_changes_command(app, exit_code);
  add_trust_command(app, exit_code);
  add_scan_command(app, exit_code);
  add_baseline_command(app, exit_code);
  add_validate_command(app, exit_code);

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const std::exception& e) {
    // The library does not throw; this is the last line of defence (e.g. std::bad_alloc).
    std::cerr << "signet: error: INTERNAL: " << e.what() << '\n';
    return kExitUsage;
  }
  return exit_code;
}

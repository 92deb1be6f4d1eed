#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace signet::cli {

// Each registers a subcommand whose callback stores its exit status in `exit_code`.
void add_sign_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_telemetry_command(CLI::App& app, int& exit_code);
void add_audit_command(CLI::App& app, int& exit_code);
void add_attack_command(CLI::App& app, int& exit_code);
void add_evidence_command(CLI::App& app, int& exit_code);
// `signet gate download ... -- CMD ARGS...`: `command` is CMD ARGS, split off by
// split_command_tail() before CLI11 parses the rest (it is the vendor tool's, never signet's).
void add_gate_command(CLI::App& app, int& exit_code, const std::vector<std::string>& command);
void add_changes_command(CLI::App& app, int& exit_code);
void add_trust_command(CLI::App& app, int& exit_code);
// `signetd ARGS...` is `signet gate exec ARGS...`: the same binary under another name.
[[nodiscard]] std::vector<char*> signetd_arguments(int argc, char** argv);
void add_scan_command(CLI::App& app, int& exit_code);
void add_baseline_command(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
[[nodiscard]] std::vector<char*> split_command_tail(int argc, char** argv,
                                                    std::vector<std::string>& tail);

}  // namespace signet::cli

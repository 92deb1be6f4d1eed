#pragma once

#include <CLI/CLI.hpp>

namespace signet::cli {

// Each registers a subcommand whose callback stores its exit status in `exit_code`.
void add_sign_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_telemetry_command(CLI::App& app, int& exit_code);
void add_audit_command(CLI::App& app, int& exit_code);
void add_attack_command(CLI::App& app, int& exit_code);
void add_evidence_command(CLI::App& app, int& exit_code);

}  // namespace signet::cli

// `signet gate exec` / `signetd` and `signet gate status`: the composition root of the execution
// gate (docs/exec-gate.md).
#pragma once

#include <string>
#include <vector>

namespace signet::cli {

struct GateExecOptions {
  std::string policy;
  std::vector<std::string> watch;
  std::vector<std::string> trust;
  std::string mode;  // "" = the policy's
  std::string status_file;
  std::string ready_file;
  std::size_t workers = 4;
  bool quiet = false;
};

int run_gate_exec(const GateExecOptions& options);
int run_gate_status(const std::string& status_file, bool json);

}  // namespace signet::cli

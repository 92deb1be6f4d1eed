// signet validate --plan PLAN --out DIR: proves, by test, what each enforcement point blocks, logs
// and escalates (docs/validate.md).
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "validate/validator.hpp"

namespace signet::cli {
namespace {

struct ValidateCliOptions {
  std::string plan;
  std::string out;
  bool quiet = false;
};

std::filesystem::path self_binary() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("signet") : self;
}

int run_validate(const ValidateCliOptions& o) {
  validate::ValidateOptions options;
  options.plan = o.plan;
  options.out = o.out;
  options.signet = self_binary();
  if (!o.quiet) options.progress = [](const std::string& line) { std::cout << line << std::endl; };
  auto report = validate::run_validation(options);
  if (!report) return report_error(report.error());
  if (auto written = validate::write_reports(*report, o.out); !written) {
    return report_error(written.error());
  }
  const auto& s = report->summary;
  const auto dir = std::filesystem::absolute(o.out).lexically_normal();
  std::cout << (report->all_passed() ? "PASSED" : "NOT PASSED") << ": " << s.cells << " cells, "
            << s.pass << " pass, " << s.fail << " fail, " << s.partial << " partial, " << s.left_out
            << " left out, " << s.gaps << " gaps\n"
            << "report: " << (dir / "report.html").string() << '\n';
  return report->all_passed() ? kExitOk : kExitDenied;
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ValidateCliOptions>();
  auto* cmd = app.add_subcommand(
      "validate", "Test the enforcement points of a plan: blocked, logged, escalated?");
  cmd->add_option("--plan", options->plan, "Validation plan (TOML, docs/validate.md)")->required();
  cmd->add_option("--out", options->out, "Directory for report.json, junit.xml, report.html")
      ->required();
  cmd->add_flag("-q,--quiet", options->quiet, "Print only the result line");
  cmd->callback([options, &exit_code] { exit_code = run_validate(*options); });
}

}  // namespace signet::cli

// signet telemetry flush --policy P        deliver what the sinks' spools hold
// signet telemetry test --policy P [--count N]   send N test events through every sink
#include <iostream>
#include <memory>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/telemetry_support.hpp"

namespace signet::cli {
namespace {

struct TelemetryOptions {
  std::string policy;
  std::int64_t count = 1;
};

// The Emitter delivers spools first thing; closing it waits (bounded) for that.
int run_flush(const TelemetryOptions& o) {
  auto loaded = policy::Policy::load(o.policy);
  if (!loaded) return report_error(loaded.error());
  if (!loaded->telemetry()) return report_error({Errc::kUsage, "the policy has no [telemetry]"});
  auto emitter = open_emitter(*loaded);
  const auto report = close_emitter(*emitter);
  if (report.spooled_pending > 0 || !report.problems.empty()) return kExitDenied;
  std::cout << "telemetry: spools delivered\n";
  return kExitOk;
}

int run_test(const TelemetryOptions& o) {
  auto loaded = policy::Policy::load(o.policy);
  if (!loaded) return report_error(loaded.error());
  if (!loaded->telemetry()) return report_error({Errc::kUsage, "the policy has no [telemetry]"});
  if (o.count < 1 || o.count > 10'000'000) {
    return report_error({Errc::kUsage, "--count must be between 1 and 10000000"});
  }
  auto emitter = open_emitter(*loaded);
  for (std::int64_t i = 1; i <= o.count; ++i) {
    emitter->emit(telemetry::test_event(i, emitter->host(), emitter->clock().now()));
  }
  const auto report = close_emitter(*emitter);
  std::cout << "telemetry: " << report.emitted << " test event(s) queued, " << report.dropped
            << " dropped, " << report.lost << " lost"
            << (report.spooled_pending > 0 ? ", some spooled (receiver down)" : "") << '\n';
  return report.dropped > 0 || report.lost > 0 ? kExitDenied : kExitOk;
}

}  // namespace

void add_telemetry_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TelemetryOptions>();
  auto* cmd = app.add_subcommand("telemetry", "Event sinks: deliver spools, send test events");
  cmd->require_subcommand(1);
  auto* flush = cmd->add_subcommand("flush", "Deliver events spooled while receivers were down");
  flush->add_option("--policy", options->policy, "Trust policy with [telemetry]")->required();
  flush->callback([options, &exit_code] { exit_code = run_flush(*options); });
  auto* test = cmd->add_subcommand("test", "Send test events through every configured sink");
  test->add_option("--policy", options->policy, "Trust policy with [telemetry]")->required();
  test->add_option("--count", options->count, "How many events (numbered 1..N)")
      ->capture_default_str();
  test->callback([options, &exit_code] { exit_code = run_test(*options); });
}

}  // namespace signet::cli

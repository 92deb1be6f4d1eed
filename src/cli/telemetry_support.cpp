#include "cli/telemetry_support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/file_io.hpp"
#include "telemetry/evidence.hpp"

namespace signet::cli {

std::unique_ptr<telemetry::Emitter> open_emitter(const policy::Policy& policy) {
  auto emitter = telemetry::Emitter::create(policy, telemetry::system_clock());
  if (emitter) return std::move(*emitter);
  std::cerr << "signet: warning: telemetry disabled: " << emitter.error().describe() << '\n';
  return std::make_unique<telemetry::Emitter>(
      std::vector<telemetry::Sink>{}, telemetry::telemetry_host_name(nullptr),
      policy.source_sha256(), telemetry::system_clock(), 1, std::chrono::milliseconds(0));
}

telemetry::EmitterReport close_emitter(telemetry::Emitter& emitter) {
  auto report = emitter.close();
  for (const auto& problem : report.problems) {
    std::cerr << "signet: warning: telemetry: " << problem << '\n';
  }
  if (report.dropped > 0 || report.lost > 0) {
    std::cerr << "signet: warning: telemetry: " << report.dropped << " event(s) dropped, "
              << report.lost << " lost\n";
  }
  if (report.spooled_pending > 0) {
    std::cerr << "signet: telemetry: events are spooled for " << report.spooled_pending
              << " receiver(s) that are down; the next signet run (or `signet telemetry flush`)"
                 " delivers them\n";
  }
  return report;
}

telemetry::PointContext cli_point_context(std::string point, std::string operation) {
  telemetry::PointContext context;
  context.point = std::move(point);
  context.operation = std::move(operation);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  context.process = telemetry::ProcessFacts{.pid = ::getpid(),
                                            .executable = ec ? std::string() : exe.string(),
                                            .parent_pid = ::getppid()};
  context.user_id = std::to_string(::getuid());
  return context;
}

std::optional<Result<BundleDecision>> verify_bundle_file(const policy::Policy& policy,
                                                         const std::string& path,
                                                         const policy::EvaluationContext& context) {
  {  // Cheap test first: a large artifact without a signature is not read whole for this.
    std::ifstream in(path, std::ios::binary);
    std::uint8_t head[512] = {};
    if (!in.read(reinterpret_cast<char*>(head), sizeof head) ||
        !telemetry::looks_like_ustar(head)) {
      return std::nullopt;
    }
  }
  auto bytes = read_file_bytes(path, std::size_t{1} << 30);
  if (!bytes) return std::nullopt;
  auto verified = telemetry::verify_evidence_bundle(policy, *bytes, context.now, context.host);
  if (!verified) return std::nullopt;
  if (!*verified) return std::unexpected(verified->error());
  BundleDecision out;
  out.decision = std::move((*verified)->decision);
  // The bundle itself is the artifact the event names.
  out.decision.artifacts.insert(out.decision.artifacts.begin(),
                                {path, context.artifacts.empty() ? "" : context.artifacts[0].sha256,
                                 std::nullopt, out.decision.allowed()});
  out.notes.push_back("evidence bundle: " + std::to_string((*verified)->members.size()) +
                      " member(s) under manifest.sig");
  if (const auto& audit = (*verified)->audit) {
    out.notes.push_back(
        std::string("bundled audit log: ") + telemetry::audit_finding_name(audit->finding) + ", " +
        std::to_string(audit->records) + " record(s), " + std::to_string(audit->checkpoints) +
        " signed checkpoint(s), " + std::to_string(audit->unsigned_tail) + " unsigned at the end" +
        (audit->detail.empty() ? "" : ": " + audit->detail));
  }
  return out;
}

}  // namespace signet::cli

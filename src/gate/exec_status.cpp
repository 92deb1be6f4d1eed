#include "gate/exec_status.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/time.hpp"

namespace signet::gate {

nlohmann::json exec_status_json(const ExecStatusFacts& facts, const ExecGateConfig& config,
                                const ExecGateStats& stats) {
  nlohmann::json j;
  j["pid"] = facts.pid;
  j["started_at"] = format_rfc3339(facts.started_at);
  j["updated_at"] = format_rfc3339(facts.updated_at);
  j["stopped"] = facts.stopped;
  j["mode"] = std::string(policy::mode_name(config.mode_for(std::nullopt)));
  j["watch"] = facts.watch;
  j["policy"] = facts.policy_path;
  j["policy_sha256"] = config.policy->source_sha256();
  j["generation"] = config.generation;
  j["interpreters"] = config.interpreters;
  auto guards = nlohmann::json::array();
  for (const auto& g : config.guards) guards.push_back({{"path", g.path}, {"tools", g.tools}});
  j["guards"] = guards;
  auto bundles = nlohmann::json::array();
  for (const auto& b : config.trust.bundles()) {
    nlohmann::json bj{{"path", b.path}, {"accepted", b.accepted}, {"subjects", b.subjects}};
    auto classes = nlohmann::json::array();
    for (const auto c : kCodeClasses) {
      const auto i = class_index(c);
      if (b.accepted && b.scope.at(i) && b.classes.at(i).accepted) {
        classes.push_back(std::string(gate_class_name(c)));
      }
    }
    bj["classes"] = classes;
    if (!b.reasons.empty()) {
      bj["reason"] =
          std::string(reason_name(b.reasons.front().code)) + ": " + b.reasons.front().detail;
    }
    bundles.push_back(std::move(bj));
  }
  j["bundles"] = bundles;
  j["trusted_digests"] = config.trust.digests();
  j["permission_events"] = stats.permission_events;
  j["answered"] = stats.answered;
  j["allowed"] = stats.allowed;
  j["denied"] = stats.denied;
  j["would_deny"] = stats.would_deny;
  j["cache_hits"] = stats.cache_hits;
  j["cache_entries"] = stats.cache_entries;
  j["invalidations"] = stats.invalidations;
  j["queue_depth"] = stats.queue_depth;
  j["in_flight"] = stats.in_flight;
  j["unjudged"] = stats.unjudged;
  j["self_events"] = stats.self_events;
  j["overflows"] = stats.overflows;
  j["events_dropped"] = facts.events_dropped + stats.reports_dropped;
  j["errors"] = stats.errors;
  j["guard_alerts"] = stats.guard_alerts;
  j["reasons"] = stats.reasons;
  if (facts.reload) {
    nlohmann::json r{{"ok", facts.reload->ok}, {"at", format_rfc3339(facts.reload->at)}};
    if (!facts.reload->ok) r["error"] = facts.reload->error;
    j["reload"] = r;
  } else {
    j["reload"] = nullptr;
  }
  return j;
}

Result<void> write_json_atomic(const std::filesystem::path& path, const nlohmann::json& json) {
  const std::string text = json.dump(2) + "\n";
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(Errc::kIo, tmp + ": " + std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(Errc::kIo, tmp + ": " + std::strerror(error));  // NOLINT(concurrency-mt-unsafe)
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    return fail(Errc::kIo,
                path.string() + ": " + std::strerror(error));  // NOLINT(concurrency-mt-unsafe)
  }
  return {};
}

std::string exec_status_text(const nlohmann::json& s) {
  std::ostringstream out;
  const auto num = [&s](const char* key) -> std::uint64_t {
    return s.contains(key) && s[key].is_number_unsigned() ? s[key].get<std::uint64_t>() : 0;
  };
  out << "signet exec gate: pid " << s.value("pid", 0) << ", mode " << s.value("mode", "?")
      << ", policy " << s.value("policy", "?") << " (generation " << num("generation") << ")\n";
  out << "  started " << s.value("started_at", "?") << ", updated " << s.value("updated_at", "?")
      << '\n';
  if (s.contains("watch")) {
    for (const auto& w : s["watch"]) out << "  watching " << w.get<std::string>() << '\n';
  }
  if (s.contains("bundles")) {
    for (const auto& b : s["bundles"]) {
      out << "  bundle " << b.value("path", "?") << ": "
          << (b.value("accepted", false) ? "accepted" : "NOT accepted") << ", "
          << b.value("subjects", 0) << " subject(s)";
      if (b.contains("reason")) out << " — " << b["reason"].get<std::string>();
      out << '\n';
    }
  }
  out << "  permission events " << num("permission_events") << ", answered " << num("answered")
      << " (allowed " << num("allowed") << ", denied " << num("denied") << ", would deny "
      << num("would_deny") << ", unjudged " << num("unjudged") << ", own " << num("self_events")
      << ")\n";
  out << "  cache hits " << num("cache_hits") << ", entries " << num("cache_entries")
      << ", invalidations " << num("invalidations") << '\n';
  out << "  queue depth " << num("queue_depth") << ", in flight " << num("in_flight")
      << ", overflows " << num("overflows") << ", events dropped " << num("events_dropped")
      << ", errors " << num("errors") << ", guard alerts " << num("guard_alerts") << '\n';
  if (s.contains("reasons") && s["reasons"].is_object()) {
    for (const auto& [code, count] : s["reasons"].items()) {
      out << "  " << code << ": " << count.get<std::uint64_t>() << '\n';
    }
  }
  if (s.contains("reload") && s["reload"].is_object()) {
    const auto& r = s["reload"];
    out << "  last reload " << r.value("at", "?") << ": "
        << (r.value("ok", false) ? "ok" : "FAILED, old policy in force: " + r.value("error", ""))
        << '\n';
  }
  return out.str();
}

}  // namespace signet::gate

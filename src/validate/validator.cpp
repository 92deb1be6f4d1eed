#include "validate/validator.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <system_error>
#include <thread>

#include "core/file_io.hpp"
#include "policy/subject_pattern.hpp"
#include "policy/window.hpp"
#include "telemetry/attack_techniques.hpp"
#include "validate/child_process.hpp"
#include "validate/event_search.hpp"
#include "validate/item_factory.hpp"
#include "validate/point_driver.hpp"
#include "validate/syslog_receiver.hpp"

namespace signet::validate {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

TimePoint now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

fs::path resolve(const fs::path& base, const std::string& path) {
  const fs::path p(path);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

// A command's CMD is a path relative to the plan when it has a '/', else looked up on PATH.
std::vector<std::string> resolve_command(const fs::path& base, std::vector<std::string> argv) {
  if (!argv.empty() && argv.front().find('/') != std::string::npos) {
    argv.front() = resolve(base, argv.front()).string();
  }
  return argv;
}

// The ATT&CK for ICS techniques a case exercises at a point: those of the point and class (the
// same table the events use), plus what the case itself stands for.
std::vector<std::string> case_techniques(CaseId id, const PointSpec& point,
                                         const std::string& file_name) {
  telemetry::TechniqueFacts facts;
  std::string point_name = "verify";
  std::string operation = "verify";
  switch (point.kind) {
    case PointKind::kDownload:
      point_name = point.artifact_class == "firmware" ? "firmware-gate" : "download-gate";
      operation = point.operation.empty()
                      ? (point.artifact_class == "firmware" ? "firmware-update" : "download")
                      : point.operation;
      break;
    case PointKind::kExec:
      point_name = "exec-gate";
      operation = point.artifact_class == "kernel-module" ? "load-module" : "exec";
      break;
    case PointKind::kGuard:
      point_name = "project-watch";
      operation = "open";
      break;
    case PointKind::kVerify:
    case PointKind::kCommand:
      break;
  }
  facts.point = point_name;
  facts.operation = operation;
  facts.artifact_class = point.artifact_class;
  facts.file_name = file_name;
  facts.firmware_scope = point.scope;
  // A signer the supplier does not use, or another artifact's signature: a supply chain attempt.
  facts.differs_from_baseline =
      id == CaseId::kUntrustedSigner || id == CaseId::kSwapped || id == CaseId::kRevoked;
  auto out = telemetry::techniques_for(facts);
  const auto add = [&](const char* technique) {
    if (std::find(out.begin(), out.end(), technique) == out.end()) out.emplace_back(technique);
  };
  if (id == CaseId::kMasquerading) add("T0849");
  if (point.kind == PointKind::kExec && (id == CaseId::kUnsigned || id == CaseId::kStripped)) {
    add("T0863");
  }
  return out;
}

bool window_open_at(const policy::Policy& policy, const policy::Rule& rule, TimePoint t) {
  return std::any_of(rule.windows.begin(), rule.windows.end(), [&](const std::string& name) {
    const policy::Window* window = policy.find_window(name);
    return window != nullptr && policy::window_open(*window, t);
  });
}

struct RunningPoint {
  ResolvedPoint resolved;
  PointResult result;
  std::vector<SinkFile> sinks;
  std::size_t receiver_from = 0;
  std::vector<Item> items;  // parallel to result.cases
};

// Looks for every cell's events; returns true when nothing more is awaited.
bool collect_events(std::vector<RunningPoint>& points, const SyslogReceiver* receiver) {
  bool complete = true;
  for (auto& point : points) {
    std::vector<std::pair<std::string, std::vector<std::string>>> files;
    for (const auto& sink : point.sinks) files.emplace_back(sink.path().string(), sink.new_lines());
    const auto messages = receiver != nullptr ? receiver->messages(point.receiver_from)
                                              : std::vector<ReceivedMessage>();
    for (std::size_t i = 0; i < point.result.cases.size(); ++i) {
      auto& cell = point.result.cases[i];
      auto& e = cell.evidence;
      if (e.sha256.empty()) continue;
      e.log_sources.clear();
      e.alert_sources.clear();
      std::optional<EventMatch> first;
      for (const auto& [path, lines] : files) {
        for (std::size_t n = 0; n < lines.size(); ++n) {
          if (auto match = match_record(lines[n], e.sha256)) {
            e.log_sources.push_back(path + " (new line " + std::to_string(n + 1) + ")");
            if (!first || (!first->decision && match->decision)) first = match;
          }
        }
      }
      for (std::size_t n = 0; n < messages.size(); ++n) {
        if (auto match = match_record(messages[n].text, e.sha256)) {
          const std::string where = "SOC receiver message " +
                                    std::to_string(point.receiver_from + n + 1) + " (" +
                                    messages[n].transport + ")";
          e.log_sources.push_back(where);
          if (match->alert) e.alert_sources.push_back(where);
          if (!first || (!first->decision && match->decision)) first = match;
        }
      }
      cell.logged = !e.log_sources.empty();
      cell.escalated = !e.alert_sources.empty();
      if (first) {
        e.decision = first->decision;
        e.reasons = first->reasons;
        e.reported_techniques = first->techniques;
      }
      const bool awaited = !e.error && (cell.blocked || cell.id == CaseId::kControl);
      if (awaited && (!cell.logged || (cell.id != CaseId::kControl && !cell.escalated))) {
        complete = false;
      }
    }
  }
  return complete;
}

void judge(CellResult& cell) {
  auto& e = cell.evidence;
  if (cell.blocked && e.decision && !e.expected_reasons.empty()) {
    e.reason_matched = std::any_of(e.reasons.begin(), e.reasons.end(), [&](const std::string& r) {
      return std::find(e.expected_reasons.begin(), e.expected_reasons.end(), r) !=
             e.expected_reasons.end();
    });
  }
  if (e.error) {
    cell.verdict = Verdict::kFail;
  } else if (cell.id == CaseId::kControl) {
    cell.verdict = cell.blocked ? Verdict::kFail : Verdict::kPass;
  } else if (!cell.blocked) {
    cell.verdict = Verdict::kFail;
  } else {
    cell.verdict = cell.logged && cell.escalated ? Verdict::kPass : Verdict::kPartial;
  }
}

std::string cell_line(const CellResult& cell) {
  const auto& info = case_info(cell.id);
  std::string name(info.name);
  name.resize(18, ' ');
  std::string line = "  " + name + (cell.blocked ? "blocked " : "allowed ") +
                     (cell.logged ? "logged " : "-      ") +
                     (cell.escalated ? "escalated " : "-         ") +
                     std::string(verdict_name(cell.verdict));
  if (cell.evidence.error) line += " (" + *cell.evidence.error + ")";
  return line;
}

std::vector<std::string> gate_argv(const ResolvedPoint& point, const fs::path& watch,
                                   const std::vector<fs::path>& bundles,
                                   const DriverEnvironment& env, const fs::path& point_dir) {
  std::vector<std::string> argv = {env.signet.string(),
                                   "gate",
                                   "exec",
                                   "--policy",
                                   point.policy.string(),
                                   "--watch",
                                   watch.string(),
                                   "--ready-file",
                                   (point_dir / "gate.ready").string(),
                                   "--status-file",
                                   (point_dir / "gate-status.json").string()};
  for (const auto& bundle : bundles) {
    argv.push_back("--trust");
    argv.push_back(bundle.string());
  }
  return argv;
}

// Starts `signet gate exec` on the point's directory with the items' trust bundles, and waits
// (up to 30 s) for its ready file: every mark in place.
Result<BackgroundChild> start_gate(const ResolvedPoint& point, const fs::path& watch,
                                   const std::vector<fs::path>& bundles,
                                   const DriverEnvironment& env, const fs::path& point_dir) {
  std::error_code ec;
  fs::create_directories(point_dir, ec);
  const fs::path ready = point_dir / "gate.ready";
  fs::remove(ready, ec);
  ChildSpec spec;
  spec.argv = gate_argv(point, watch, bundles, env, point_dir);
  spec.stdout_file = point_dir / "gate.out";
  spec.stderr_file = point_dir / "gate.err";
  spec.cwd = env.cwd;
  auto gate = BackgroundChild::start(spec);
  if (!gate) return std::unexpected(gate.error());
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (!fs::exists(ready, ec)) {
    if (!gate->running()) {
      auto text = read_file_text(spec.stderr_file, 1u << 16);
      return fail(Errc::kIo, "signet gate exec exited before it was ready: " +
                                 (text ? *text : std::string("(no output)")));
    }
    if (SteadyClock::now() >= deadline) {
      return fail(Errc::kIo, "signet gate exec was not ready within 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return gate;
}

}  // namespace

std::optional<TimePoint> closed_window_moment(const policy::Policy& policy,
                                              const std::string& artifact_class,
                                              const std::string& target, TimePoint from) {
  const auto& rules = policy.rules();
  const auto rule = std::find_if(rules.begin(), rules.end(), [&](const policy::Rule& r) {
    return policy::glob_match(r.artifact_class, artifact_class) &&
           policy::glob_match(r.target, target);
  });
  if (rule == rules.end() || rule->windows.empty()) return from + std::chrono::hours(1);
  constexpr auto kStep = std::chrono::minutes(5);
  constexpr auto kStay = std::chrono::minutes(15);
  for (TimePoint t = from + kStep; t < from + std::chrono::days(14); t += kStep) {
    bool closed = true;
    for (TimePoint u = t; u <= t + kStay && closed; u += kStep) {
      closed = !window_open_at(policy, *rule, u);
    }
    if (closed) return t;
  }
  return std::nullopt;
}

Result<Report> run_validation(const ValidateOptions& options) {
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  auto text = read_file_text(options.plan, 1u << 20);
  if (!text) return std::unexpected(text.error());
  auto parsed = parse_plan(*text);
  if (!parsed) {
    return fail(parsed.error().code, options.plan.string() + ": " + parsed.error().message);
  }
  const PlanSpec plan = std::move(*parsed);
  const fs::path base = fs::absolute(options.plan).parent_path();

  std::error_code ec;
  const fs::path out = fs::absolute(options.out);
  const fs::path work = out / "work";
  fs::remove_all(work, ec);  // items are made fresh for every run
  fs::create_directories(work, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + work.string() + ": " + ec.message());

  Report report;
  report.title = plan.title;
  report.plan_path = fs::absolute(options.plan).lexically_normal().string();
  report.started_at = format_rfc3339(now_seconds());
  report.host = host_name();
  report.signet_version = SIGNET_VERSION;
  report.gaps = plan.gaps;

  std::unique_ptr<SyslogReceiver> receiver;
  if (plan.soc) {
    auto started = SyslogReceiver::start(plan.soc->listen, out / "soc-received.log");
    if (!started) return std::unexpected(started.error());
    receiver = std::move(*started);
    report.soc_listen = plan.soc->listen;
    say("SOC receiver listening on " + plan.soc->listen + " (udp, tcp)");
  }

  auto identities = Identities::load(plan, base);
  if (!identities) return std::unexpected(identities.error());

  const DriverEnvironment env{options.signet, find_libfaketime(), base};
  std::mt19937_64 random(std::random_device{}());
  const std::uint64_t run_nonce = random();

  std::vector<RunningPoint> points;
  points.reserve(plan.points.size());
  for (const auto& spec : plan.points) {
    RunningPoint running;
    running.resolved.spec = &spec;
    if (!spec.policy.empty()) running.resolved.policy = resolve(base, spec.policy);
    running.resolved.command = resolve_command(base, spec.command);
    auto& result = running.result;
    result.name = spec.name;
    result.kind = spec.kind;
    result.artifact_class = spec.artifact_class;
    result.target = spec.target;
    result.policy = running.resolved.policy.string();

    std::optional<policy::Policy> loaded;
    if (!spec.policy.empty()) {
      auto policy = policy::Policy::load(running.resolved.policy);
      if (policy) {
        loaded.emplace(std::move(*policy));
      } else {
        // The point will say so for every item; the evidence shows it.
        result.error = "the point's policy does not load: " + policy.error().describe();
      }
    }
    std::vector<fs::path> sink_paths;
    for (const auto& path : spec.events) sink_paths.push_back(resolve(base, path));
    if (spec.events.empty() && loaded && loaded->telemetry()) {
      for (const auto& sink : loaded->telemetry()->sinks) {
        if (sink.type == policy::SinkType::kFile) {
          sink_paths.push_back(resolve(loaded->base_dir(), sink.path));
        }
      }
    }
    for (const auto& path : sink_paths) {
      running.sinks.emplace_back(path);
      result.sinks.push_back(path.string());
    }
    if (receiver) result.sinks.push_back("SOC receiver " + plan.soc->listen);
    running.receiver_from = receiver ? receiver->count() : 0;

    const auto cases = cases_for(spec);
    for (const auto& info : case_catalogue()) {
      if (std::find(cases.begin(), cases.end(), info.id) != cases.end()) continue;
      auto why = not_applicable(info.id, spec);
      result.left_out.push_back(
          {info.id, why ? *why : std::string("not among the plan's cases for this point")});
    }

    say("point " + spec.name + " (" + std::string(point_kind_name(spec.kind)) + ", " +
        spec.artifact_class + (spec.target.empty() ? "" : " " + spec.target) +
        "): " + std::to_string(cases.size()) + " cases");
    const fs::path point_dir = work / spec.name;
    ItemContext ctx{.plan = &plan,
                    .point = &spec,
                    .identities = &*identities,
                    .point_dir = point_dir,
                    .watch_dir = {},
                    .now = now_seconds(),
                    .closed_at = std::nullopt,
                    .nonce = run_nonce};
    std::optional<std::string> closed_error;
    if (std::find(cases.begin(), cases.end(), CaseId::kOutsideWindow) != cases.end()) {
      if (spec.closed_at) {
        ctx.closed_at = parse_rfc3339(*spec.closed_at).value_or(ctx.now);
      } else if (loaded) {
        ctx.closed_at = closed_window_moment(*loaded, spec.artifact_class, spec.target, ctx.now);
        if (!ctx.closed_at) closed_error = "the point's windows never close in the next 14 days";
      } else {
        closed_error = "no moment outside the windows: the policy does not load (give closed_at)";
      }
    }
    const std::string file_name = artifact_name_for(spec);
    const bool gated = spec.kind == PointKind::kExec || spec.kind == PointKind::kGuard;
    if (gated) ctx.watch_dir = resolve(base, spec.watch);
    // Makes the item of one case into result.cases / running.items (a failure is the cell's).
    const auto make = [&](CaseId id) {
      CellResult cell;
      cell.id = id;
      cell.techniques = case_techniques(id, spec, file_name);
      for (const auto reason : expected_reasons(id, spec.kind)) {
        cell.evidence.expected_reasons.emplace_back(reason);
      }
      ++ctx.nonce;
      Item item;
      item.id = id;
      auto made = id == CaseId::kOutsideWindow && closed_error
                      ? Result<Item>(fail(Errc::kUsage, *closed_error))
                      : make_item(id, ctx);
      if (!made) {
        cell.evidence.error = "the item could not be made: " + made.error().describe();
      } else {
        item = std::move(*made);
        auto& e = cell.evidence;
        e.made = item.made;
        e.artifact = item.artifact.string();
        e.signature = fs::exists(item.signature, ec) ? item.signature.string() : "";
        e.sha256 = item.sha256;
        if (item.at) e.introduced_at = format_rfc3339(*item.at);
      }
      result.cases.push_back(std::move(cell));
      running.items.push_back(std::move(item));
    };
    // Introduces the item of cell `i`, as the plant would.
    const auto run = [&](std::size_t i) {
      auto& cell = result.cases[i];
      const Item& item = running.items[i];
      if (cell.evidence.error) return;
      auto& e = cell.evidence;
      const fs::path case_dir = point_dir / std::string(case_info(cell.id).name);
      fs::create_directories(case_dir, ec);
      if (auto rewritten = apply_rewrite(item); !rewritten) {
        e.error = "the item could not be put in place: " + rewritten.error().describe();
        return;
      }
      const Introduction intro = introduce(running.resolved, item, env, case_dir);
      cell.blocked = intro.blocked;
      e.command = intro.command;
      e.exit_status = intro.exit_status;
      e.timed_out = intro.timed_out;
      e.outcome = intro.outcome;
      e.output = intro.output;
      e.error = intro.error;
      e.elapsed_ms = intro.elapsed_ms;
      if (item.restore) {
        // Masquerading borrowed the control's path: keep the impostor as evidence, put the
        // trusted file back.
        fs::copy_file(item.artifact, case_dir / (item.artifact.filename().string() + ".introduced"),
                      fs::copy_options::overwrite_existing, ec);
        if (auto restored = restore_trusted(item); !restored) {
          e.error = "the trusted file could not be put back: " + restored.error().describe();
        }
      }
    };
    if (!gated) {
      // One item at a time: the control first, so that the downgrade finds it installed.
      for (const CaseId id : cases) {
        make(id);
        run(result.cases.size() - 1);
      }
    } else {
      // The gate loads its trust bundles when it starts: every item first, then the gate, then
      // each item introduced while it watches.
      for (const CaseId id : cases) make(id);
      std::vector<fs::path> bundles;
      for (const auto& item : running.items) {
        bundles.insert(bundles.end(), item.bundles.begin(), item.bundles.end());
      }
      auto gate = start_gate(running.resolved, ctx.watch_dir, bundles, env, point_dir);
      if (!gate) {
        result.error = gate.error().message;
        for (auto& cell : result.cases) {
          if (!cell.evidence.error)
            cell.evidence.error = "the gate did not start: " + gate.error().message;
        }
      } else {
        for (std::size_t i = 0; i < result.cases.size(); ++i) run(i);
        const auto status = gate->stop(std::chrono::seconds(20));
        result.notes.push_back(
            "gate: " +
            quote_command(gate_argv(running.resolved, ctx.watch_dir, bundles, env, point_dir)) +
            " (stopped, exit " + (status ? std::to_string(*status) : "?") + ")");
      }
    }
    points.push_back(std::move(running));
  }

  // Events are delivered after each point decided; wait (bounded) for the last ones.
  const auto settle = std::chrono::milliseconds(plan.soc ? plan.soc->settle_ms : 1000);
  const auto deadline = SteadyClock::now() + settle;
  while (!collect_events(points, receiver.get()) && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (receiver) {
    receiver->stop();
    report.soc_messages = receiver->count();
  }
  for (auto& running : points) {
    say("point " + running.result.name + ":");
    for (auto& cell : running.result.cases) {
      judge(cell);
      say(cell_line(cell));
    }
    report.points.push_back(std::move(running.result));
  }
  report.finished_at = format_rfc3339(now_seconds());
  finish_report(report);
  return report;
}

Result<void> write_reports(const Report& report, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  const std::pair<const char*, std::string> files[] = {{"report.json", render_json(report)},
                                                       {"junit.xml", render_junit(report)},
                                                       {"report.html", render_html(report)}};
  for (const auto& [name, content] : files) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(content.data());
    if (auto written = write_file_atomic(dir / name, {bytes, content.size()}); !written) {
      return written;
    }
  }
  return {};
}

}  // namespace signet::validate
